using TierFs.Index;

namespace TierFs.Daemon;

/// <summary>The running counts of one job, updated by its workers, read by `tierfs status`.</summary>
public sealed class JobProgress(JobRow start, long plannedBytes)
{
    private long _files, _bytes, _skipped, _failed, _inFlight;

    public JobRow Start { get; } = start;
    public long PlannedBytes { get; } = plannedBytes;
    public long Files => Interlocked.Read(ref _files);
    public long Bytes => Interlocked.Read(ref _bytes) + Interlocked.Read(ref _inFlight);
    public long Skipped => Interlocked.Read(ref _skipped);
    public long Failed => Interlocked.Read(ref _failed);
    public long Remaining => Start.Planned - Files - Skipped - Failed;

    public void Done(long bytes)
    {
        Interlocked.Increment(ref _files);
        Interlocked.Add(ref _bytes, bytes);
    }

    public void Skip() => Interlocked.Increment(ref _skipped);
    public void Fail() => Interlocked.Increment(ref _failed);

    /// <summary>Bytes of transfers under way (moved to the done count when the file ends).</summary>
    public void Moving(long delta) => Interlocked.Add(ref _inFlight, delta);

    public JobRow Row(string status, long finishedMs) => Start with
    {
        Files = Files,
        Bytes = Interlocked.Read(ref _bytes),
        Skipped = Skipped,
        Failed = Failed,
        Status = status,
        FinishedMs = finishedMs,
    };
}
