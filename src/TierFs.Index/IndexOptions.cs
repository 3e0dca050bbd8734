namespace TierFs.Index;

/// <summary>How writes are batched. The defaults suit the mount; tests shorten or lengthen them.</summary>
public sealed record IndexOptions
{
    /// <summary>A queued write is committed at most this long after it was queued (plus the commit itself).</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMilliseconds(200);
    /// <summary>A transaction is committed once it holds this many writes.</summary>
    public int MaxBatch { get; init; } = 4096;
    /// <summary>Writes queued but not yet committed, beyond which callers wait (back-pressure, bounded memory).</summary>
    public int QueueCapacity { get; init; } = 65536;
    /// <summary>How long a connection waits for another's lock before failing.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>The origin of the operation log entries written here (the node's name: `node.name`).</summary>
    public string NodeName { get; init; } = Environment.MachineName;
}
