namespace TierFs.Scan;

/// <summary>How a scan runs.</summary>
public sealed record ScanOptions
{
    /// <summary>Threads walking the tree; each works on one directory at a time.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;
    /// <summary>Called with the running counts about every <see cref="ProgressInterval"/>, and once at the end.</summary>
    public Action<ScanProgress>? Progress { get; init; }
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>A cancelled scan stops early and deletes nothing (what it did not see is not gone).</summary>
    public CancellationToken Cancellation { get; init; }
}
