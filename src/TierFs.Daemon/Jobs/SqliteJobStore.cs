using TierFs.Index;

namespace TierFs.Daemon.Jobs;

/// <summary>
/// The job store of one node: the mount's SQLite index (its jobs, claims and retries tables).
/// Only one daemon serves a tree (the tree lock), so claims are refused only to what a crashed
/// daemon left behind, until its lease runs out.
/// </summary>
public sealed class SqliteJobStore : IJobStore
{
    /// <summary>Long enough that a busy machine renews in time (every third of it), short enough that a crash's leftovers clear by the next runs.</summary>
    public static readonly TimeSpan DefaultLease = TimeSpan.FromMinutes(10);

    private readonly TierIndex _index;
    private readonly TimeProvider _clock;

    public SqliteJobStore(TierIndex index, TimeProvider? clock = null, TimeSpan? lease = null, string? owner = null)
    {
        _index = index;
        _clock = clock ?? TimeProvider.System;
        Lease = lease ?? DefaultLease;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Lease, TimeSpan.Zero);
        Owner = owner ?? $"{Environment.MachineName}:{Environment.ProcessId}";
    }

    public string Owner { get; }
    public TimeSpan Lease { get; }

    private long NowMs => _clock.GetUtcNow().ToUnixTimeMilliseconds();
    private long ExpiresMs => NowMs + (long)Lease.TotalMilliseconds;

    public long NextRun() => _index.NextRun(Owner, NowMs);

    public JobRow StartJob(JobRow job) => _index.InsertJob(job with { Owner = Owner, Status = JobRow.StatusRunning }, ExpiresMs);

    public void UpdateJob(JobRow job) => _index.PutJob(job with { Owner = Owner }, ExpiresMs);

    public void FinishJob(JobRow job)
    {
        _index.PutJob(job with { Owner = Owner });
        _index.ReleaseClaims(job.Id);
    }

    public IReadOnlyList<JobRow> RecentJobs(int n)
    {
        _index.Flush(); // jobs that started a moment ago are listed too
        return _index.RecentJobs(n);
    }

    public ClaimOutcome Claim(long job, IReadOnlyList<string> files)
    {
        var (granted, refused) = _index.Claim(job, Owner, files, NowMs, ExpiresMs);
        return new ClaimOutcome(granted, refused);
    }

    public IReadOnlySet<string> Renew(long job) => _index.RenewClaims(job, Owner, ExpiresMs);

    public void Release(long job, string file) => _index.ReleaseClaim(job, file);

    public HandBack HandBackExpired()
    {
        var (claims, jobs) = _index.HandBackExpired(NowMs);
        return new HandBack(claims, jobs);
    }

    public IReadOnlyList<RetryRow> Retries()
    {
        _index.Flush(); // the outcomes recorded so far
        return _index.Retries();
    }

    public void PutRetry(RetryRow retry) => _index.PutRetry(retry);

    public void ClearRetry(string file) => _index.ClearRetry(file);
}
