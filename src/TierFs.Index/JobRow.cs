using TierFs.Records;
namespace TierFs.Index;

/// <summary>
/// One job of the tiering daemon: a policy's (or the usage release's) work in one run. Times
/// are unix ms; Finished is 0 while it runs. Status: running, done, cancelled.
/// </summary>
public sealed record JobRow
{
    public const string StatusRunning = "running";
    public const string StatusDone = "done";
    public const string StatusCancelled = "cancelled";

    public required long Id { get; init; }
    /// <summary>The daemon run the job belongs to (one scan, then every policy).</summary>
    public required long Run { get; init; }
    /// <summary>"policy" or "usage".</summary>
    public required string Kind { get; init; }
    public string? Policy { get; init; }
    /// <summary>migrate, archive or release.</summary>
    public required string Action { get; init; }
    public required long StartedMs { get; init; }
    public long FinishedMs { get; init; }
    /// <summary>Files the plan selected.</summary>
    public long Planned { get; init; }
    public long Files { get; init; }
    public long Bytes { get; init; }
    public long Skipped { get; init; }
    public long Failed { get; init; }
    public required string Status { get; init; }

    public TimeSpan Duration => TimeSpan.FromMilliseconds(Math.Max(0, (FinishedMs == 0 ? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() : FinishedMs) - StartedMs));
}

/// <summary>A file the daemon failed to move: when it may be tried again, and why it failed.</summary>
public sealed record RetryRow(FileKey Key, long MtimeNs, int Attempts, long NextTryMs, string? LastError);
