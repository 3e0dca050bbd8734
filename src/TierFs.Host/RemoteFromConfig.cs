using TierFs.Remote;
using TierFs.Tiering.Config;

namespace TierFs.Host;

/// <summary>The remote store a configuration describes (the embedded default: a directory in the state dir).</summary>
public static class RemoteFromConfig
{
    public static string DefaultArchive(string stateDir) => Path.Combine(stateDir, "archive");

    /// <summary>
    /// The store, not contacted yet. The config loader checks every key the stores check, so the
    /// store's own refusal is a last net; it still names the file.
    /// </summary>
    public static IRemoteStore Create(RemoteConfig remote, string stateDir, string? configFile)
    {
        // Before the SDK reads them: it would run their credential_process as root.
        if (remote.Type == RemoteType.S3 && TierFs.Posix.Libc.GetEuid() == 0 && AwsProfileFiles.UntrustedProblem() is { } problem)
            throw new ConfigException(problem);
        try { return RemoteStore.Create(Options(remote, stateDir)); }
        catch (ArgumentException e) { throw new ConfigException($"{configFile ?? "the default configuration"}: remote: {ConfigLoader.WithoutParameter(e)}"); }
    }

    public static RemoteStoreOptions Options(RemoteConfig remote, string stateDir) => remote.Type switch
    {
        RemoteType.S3 => new S3StoreOptions
        {
            Endpoint = remote.Endpoint,
            Bucket = remote.Bucket!,
            Region = remote.Region,
            Prefix = remote.Prefix,
            PartSize = remote.PartSize,
            Concurrency = remote.Concurrency,
            RequestTimeout = remote.RequestTimeout,
        },
        _ => new DirectoryStoreOptions
        {
            Path = remote.Path ?? DefaultArchive(stateDir),
            Prefix = remote.Prefix,
            PartSize = remote.PartSize,
            Concurrency = remote.Concurrency,
        },
    };
}
