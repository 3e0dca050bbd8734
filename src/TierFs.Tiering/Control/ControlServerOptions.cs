namespace TierFs.Tiering.Control;

/// <summary>The control server's timings and limits (the defaults suit a daemon; tests shorten them).</summary>
public sealed record ControlServerOptions
{
    /// <summary>At most one progress line per file per this interval (about 10 a second).</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>A client that connects and sends no request line within this is dropped.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>On shutdown, how long cancelled requests get to finish before their sockets are cut.</summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Connections one non-root uid may hold at once (root is not limited): a recall holds one while it runs.</summary>
    public int MaxConnectionsPerUser { get; init; } = 16;

    /// <summary>Connections all non-root callers together may hold at once.</summary>
    public int MaxUserConnections { get; init; } = 32;
}
