using TierFs.Remote;
using TierFs.Tiering.Config;

namespace TierFs.Host.Adapters;

/// <summary>The remote store a configuration describes (the embedded default: a directory in the state dir).</summary>
public static class RemoteFromConfig
{
    public static string DefaultArchive(string stateDir) => Path.Combine(stateDir, "archive");

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
