namespace TierFs.Tiering.Config;

/// <summary>When and how the daemon runs the policies (the <c>schedule</c> section).</summary>
public sealed record ScheduleConfig
{
    /// <summary>Scan + policies every this long.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(10);
    /// <summary>Outside it, no run starts; null = any time.</summary>
    public TimeWindow? Window { get; init; }
    public int Workers { get; init; } = 4;
    /// <summary>Percent full of the backing filesystem above which archived files are released, coldest first…</summary>
    public int? UsageHigh { get; init; }
    /// <summary>…until it is below this. Set together with <see cref="UsageHigh"/>, lower than it.</summary>
    public int? UsageLow { get; init; }
    /// <summary>A file whose data changed (mtime) more recently than this is hot and skipped.</summary>
    public TimeSpan MinAge { get; init; } = TimeSpan.FromHours(1);
    /// <summary>A failed file is retried at most this many times…</summary>
    public int Retries { get; init; } = 3;
    /// <summary>…the first time after this long, doubling per attempt.</summary>
    public TimeSpan RetryBackoff { get; init; } = TimeSpan.FromMinutes(10);
}
