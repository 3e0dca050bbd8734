namespace TierFs.Tiering.Config;

/// <summary>The whole configuration file (/etc/tierfs/tierfs.yaml); every key is documented in the README.</summary>
public sealed record TierFsConfig
{
    public string ClusterId { get; init; } = "local";
    public RemoteConfig Remote { get; init; } = new();
    public PairConfig? Pair { get; init; }
    public MetaSyncConfig MetaSync { get; init; } = new();
    /// <summary>The west mount (`tierfs mount --remote`): how it follows generations and caches data.</summary>
    public WestConfig West { get; init; } = new();
    /// <summary>In file order; the planner runs them by <see cref="PolicyConfig.Priority"/>.</summary>
    public IReadOnlyList<PolicyConfig> Policies { get; init; } = [];
    public ScheduleConfig Schedule { get; init; } = new();
    /// <summary>The log level (`log_level`); null: the mount's --log-level.</summary>
    public Common.LogLevel? LogLevel { get; init; }
    /// <summary>The daemon's scheduled verify (`verify`).</summary>
    public VerifyConfig Verify { get; init; } = new();
    /// <summary>What an alarm also does (`alarms`: a command, a webhook).</summary>
    public AlarmConfig Alarms { get; init; } = new();
    /// <summary>Where the Prometheus endpoint and the status page listen (`metrics_listen`, HOST:PORT); null: off.</summary>
    public string? MetricsListen { get; init; }
    public NodeConfig Node { get; init; } = new();
    /// <summary>The other management node; null: this node keeps its log alone.</summary>
    public PeerConfig? Peer { get; init; }
    /// <summary>Who may recall, and how many recalls run at once.</summary>
    public RecallConfig Recall { get; init; } = new();
}

public enum RemoteType { Directory, S3 }

public sealed record RemoteConfig
{
    public RemoteType Type { get; init; } = RemoteType.Directory;
    /// <summary>type: directory — the archive directory (default: STATE_DIR/archive).</summary>
    public string? Path { get; init; }
    /// <summary>type: s3 — omit for AWS; path-style addressing when set.</summary>
    public string? Endpoint { get; init; }
    public string? Bucket { get; init; }
    public string Prefix { get; init; } = "";
    public string Region { get; init; } = "us-east-1";
    public long PartSize { get; init; } = 16L << 20;
    public int Concurrency { get; init; } = 4;
    /// <summary>A transfer with no progress for this long fails (a recall then answers EIO).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>How long an unlinked file's remote object is kept before it is deleted.</summary>
    public TimeSpan DeleteGrace { get; init; } = TimeSpan.FromHours(1);
}

public enum MetaSyncRole { Slave = 0, Master = 1 }

public enum RemoteRole { Gfs, Gpeer }

/// <summary>A pair (gpair): this local share bound to a remote share.</summary>
public sealed record PairConfig
{
    public required string Name { get; init; }
    public required string LocalSharePath { get; init; }
    public required string RemoteClusterId { get; init; }
    public required string RemoteSharePath { get; init; }
    public MetaSyncRole MetaSyncRole { get; init; } = MetaSyncRole.Master;
    public RemoteRole RemoteRole { get; init; } = RemoteRole.Gfs;

    /// <summary>The S3 attribute contract's value: local_cluster_id,local_share_path,remote_cluster_id,remote_share_path.</summary>
    public string ContractValue(string localClusterId) =>
        $"{localClusterId},{LocalSharePath},{RemoteClusterId},{RemoteSharePath}";
}

/// <summary>Metadata sync (the <c>meta_sync</c> section): how a master side publishes the pair's namespace.</summary>
public sealed record MetaSyncConfig
{
    /// <summary>The daemon publishes every <see cref="Interval"/> (a master side only); `tierfs sync` works either way.</summary>
    public bool Enabled { get; init; } = true;
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>After this many deltas on one snapshot, the next sync writes a snapshot.</summary>
    public int MaxDeltas { get; init; } = 64;
    /// <summary>Generations kept readable; older generation objects are pruned (0: every generation is kept).</summary>
    public int KeepGenerations { get; init; } = 100;
    /// <summary>How long an object no longer kept stays before it is deleted (a reader may be loading it).</summary>
    public TimeSpan PruneGrace { get; init; } = TimeSpan.FromHours(1);
}

/// <summary>The west mount (the <c>west</c> section, read by <c>tierfs mount --remote</c>).</summary>
public sealed record WestConfig
{
    /// <summary>How often the pointer is read for a newer generation.</summary>
    public TimeSpan Refresh { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Bytes of verified parts kept on disk in the state directory.</summary>
    public long CacheSize { get; init; } = 1L << 30;
    /// <summary>Parts fetched ahead of a sequential reader.</summary>
    public int ReadAhead { get; init; } = 4;
}
