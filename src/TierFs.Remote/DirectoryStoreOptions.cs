namespace TierFs.Remote;

/// <summary>
/// A plain directory as the remote tier: the embedded default for single-machine use and demos.
/// Objects are files under Path/Prefix/key; the directory must exist.
/// </summary>
public sealed record DirectoryStoreOptions : RemoteStoreOptions
{
    public required string Path { get; init; }

    public override string Identity => $"directory:{System.IO.Path.GetFullPath(Path).TrimEnd('/')}/{RemoteKey.NormalizePrefix(Prefix)}";

    /// <summary>Small parts are allowed here (they make multi-part tests cheap); S3 needs 5 MiB.</summary>
    internal override long MinPartSize => 4096;

    internal override void Validate()
    {
        base.Validate();
        if (string.IsNullOrWhiteSpace(Path))
            throw new ArgumentException("the directory store has no path", nameof(Path));
    }
}
