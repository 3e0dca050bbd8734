namespace TierFs.Tiering.Config;

/// <summary>This node of a pair of management nodes (`node:`): its name in the operation log, where its peer link listens.</summary>
public sealed record NodeConfig
{
    /// <summary>The origin of this node's log entries (default: the host name).</summary>
    public string Name { get; init; } = Environment.MachineName;
    /// <summary>host:port the peer link listens on; null: no listener.</summary>
    public string? Listen { get; init; }
    /// <summary>PEM certificate and key for TLS on the listener; both or neither.</summary>
    public string? TlsCertificate { get; init; }
    public string? TlsKey { get; init; }
}

/// <summary>The other management node (`peer:`): where to pull its log from, and the shared secret both prove.</summary>
public sealed record PeerConfig
{
    public required Uri Url { get; init; }
    /// <summary>The shared secret's bytes, read from a root-only file when the configuration loads.</summary>
    public required byte[] Secret { get; init; }
    public required string SecretFile { get; init; }
    /// <summary>A PEM certificate (or CA) the peer's TLS certificate must chain to; null: the system's trust store.</summary>
    public string? CaFile { get; init; }
}
