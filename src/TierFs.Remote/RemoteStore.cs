namespace TierFs.Remote;

/// <summary>Makes the remote store that the options describe.</summary>
public static class RemoteStore
{
    /// <summary>Validates the options (ArgumentException) and creates the store; nothing is contacted until used (see CheckAsync).</summary>
    public static IRemoteStore Create(RemoteStoreOptions options) => options switch
    {
        S3StoreOptions s3 => new S3RemoteStore(s3),
        DirectoryStoreOptions directory => new DirectoryRemoteStore(directory),
        null => throw new ArgumentNullException(nameof(options)),
        _ => throw new ArgumentException($"unknown remote store options {options.GetType().Name}", nameof(options)),
    };
}
