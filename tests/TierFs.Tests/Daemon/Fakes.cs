using TierFs.Daemon;
using TierFs.Index;
using TierFs.Scan;
using TierFs.Tiering.Config;
using TierFs.Tiering.Control;
using TierFs.Tiering.Engine;
using TierFs.Records;

namespace TierFs.Tests.Daemon;

/// <summary>A planner that always selects the same files for every policy (the real one is tested on its own).</summary>
internal sealed class FixedPlanner(params PolicyCandidate[] files) : IPolicyPlanner
{
    public IReadOnlyList<PlannedPolicy> Plan(IReadOnlyList<PolicyConfig> policies, DateTimeOffset now, bool retryNow = false) =>
        policies.Select(p => new PlannedPolicy(p, files)).ToList();

    public IReadOnlyList<PolicyCandidate> ColdestArchived(long bytes, DateTimeOffset now) => files;
}

internal sealed class NoScan : ITreeScanner
{
    public int Scans;
    /// <summary>Scans called on a thread-pool thread (a scan blocks its thread for the whole walk).</summary>
    public int OnPoolThreads;
    public ScanResult Scan(ScanOptions options)
    {
        Interlocked.Increment(ref Scans);
        if (Thread.CurrentThread.IsThreadPoolThread) Interlocked.Increment(ref OnPoolThreads);
        return new ScanResult(1, new ScanProgress(), false);
    }
}

internal sealed class FixedUsage(long used, long size) : IUsageProbe
{
    public (long Used, long Size) Usage() => (used, size);
}

/// <summary>A mover whose behaviour each test sets.</summary>
internal sealed class FakeMover : IFileMover
{
    public Func<PolicyCandidate, CancellationToken, Task<PolicyFileResult>> Move { get; set; } =
        (f, _) => Task.FromResult(new PolicyFileResult(PolicyOutcome.Done, null, f.Size));
    public volatile bool Open;
    public int Calls;
    /// <summary>How often the daemon asked whether a file is open through the mount.</summary>
    public int InUseAsked;
    public System.Collections.Concurrent.ConcurrentQueue<TierOp> Ops { get; } = new();

    public Task<PolicyFileResult> MoveAsync(PolicyCandidate file, TierOp op, TimeSpan minAge, IProgress<long>? progress, CancellationToken ct)
    {
        Interlocked.Increment(ref Calls);
        Ops.Enqueue(op);
        return Move(file, ct);
    }

    public bool InUse(FileKey key)
    {
        Interlocked.Increment(ref InUseAsked);
        return Open;
    }
}
