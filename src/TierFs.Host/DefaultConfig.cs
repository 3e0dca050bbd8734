namespace TierFs.Host;

/// <summary>
/// The configuration a mount uses when none is named: $TIERFS_CONFIG when set (empty: none), else
/// /etc/tierfs/tierfs.yaml when it exists. A remount that forgets --config must not fall back to
/// the embedded directory archive while the tree's stubs live in S3.
/// </summary>
public static class DefaultConfig
{
    public const string SystemPath = "/etc/tierfs/tierfs.yaml";
    public const string Variable = "TIERFS_CONFIG";

    /// <summary>The file to use, or null for the embedded defaults.</summary>
    public static string? Find()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { } set) return set.Length == 0 ? null : Path.GetFullPath(set);
        return File.Exists(SystemPath) ? SystemPath : null;
    }
}
