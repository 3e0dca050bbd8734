using TierFs.Index.Reading;
using TierFs.Index.Writing;

namespace TierFs.Index;

/// <summary>
/// The tiering daemon's job store on SQLite: job history, claims on files with a lease, and the
/// files it will retry (the daemon reaches these through its IJobStore, never directly). Job ids,
/// claims and hand-backs are decided on the writer's connection, in a transaction, before the call
/// returns; progress, outcomes and retries are queued like every other write.
/// </summary>
public sealed partial class TierIndex
{
    /// <summary>A fresh run number, above every run recorded, given to <paramref name="owner"/>.</summary>
    public long NextRun(string owner, long nowMs)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        long run = 0;
        _writer.Run(c => run = JobTransactions.NextRun(c, owner, nowMs));
        return run;
    }

    /// <summary>Writes a new job (its <see cref="JobRow.Id"/> is ignored) and returns it with the id the index gave it.</summary>
    public JobRow InsertJob(JobRow job, long expiresMs)
    {
        ArgumentNullException.ThrowIfNull(job);
        JobRow? inserted = null;
        _writer.Run(c => inserted = JobTransactions.Insert(c, job, expiresMs));
        return inserted!;
    }

    /// <summary>Writes the whole job row (its progress, its end); <paramref name="expiresMs"/> is its lease (0 once it ended).</summary>
    public void PutJob(JobRow job, long expiresMs = 0)
    {
        ArgumentNullException.ThrowIfNull(job);
        _writer.Enqueue(new PutJob(job, expiresMs));
    }

    /// <summary>The newest <paramref name="n"/> jobs, oldest first.</summary>
    public IReadOnlyList<JobRow> RecentJobs(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        return n == 0 ? [] : _readers.Use(s => JobQueries.Recent(s.Connection, n));
    }

    /// <summary>
    /// Claims <paramref name="files"/> for <paramref name="job"/> of <paramref name="owner"/> until
    /// <paramref name="expiresMs"/>, in one transaction: a file nobody holds, or whose claim expired
    /// by <paramref name="nowMs"/>, or that this job holds already, is granted; one another job holds
    /// is refused, with its claim.
    /// </summary>
    public (IReadOnlyList<string> Granted, IReadOnlyList<ClaimRow> Refused) Claim(long job, string owner, IReadOnlyList<string> files, long nowMs, long expiresMs)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentNullException.ThrowIfNull(files);
        (IReadOnlyList<string>, IReadOnlyList<ClaimRow>) result = ([], []);
        if (files.Count > 0) _writer.Run(c => result = JobTransactions.Claim(c, job, owner, files, nowMs, expiresMs));
        return result;
    }

    /// <summary>Extends the lease of the job and of its claims still held by <paramref name="owner"/>; returns the files it holds.</summary>
    public IReadOnlySet<string> RenewClaims(long job, string owner, long expiresMs)
    {
        IReadOnlySet<string> held = new HashSet<string>();
        _writer.Run(c => held = JobTransactions.Renew(c, job, owner, expiresMs));
        return held;
    }

    /// <summary>The job is done with the file: its claim goes.</summary>
    public void ReleaseClaim(long job, string file) => _writer.Enqueue(new ReleaseClaim(job, file));

    /// <summary>Every claim the job still holds goes (it ended).</summary>
    public void ReleaseClaims(long job) => _writer.Enqueue(new ReleaseClaims(job));

    /// <summary>
    /// Drops every claim that expired by <paramref name="nowMs"/> and marks every running job
    /// whose lease expired as interrupted (its daemon died); returns both.
    /// </summary>
    public (IReadOnlyList<ClaimRow> Claims, IReadOnlyList<JobRow> Jobs) HandBackExpired(long nowMs)
    {
        (IReadOnlyList<ClaimRow>, IReadOnlyList<JobRow>) result = ([], []);
        _writer.Run(c => result = JobTransactions.HandBack(c, nowMs));
        return result;
    }

    /// <summary>Every live or expired claim (tests, and `tierfs status` of a shared queue later).</summary>
    public IReadOnlyList<ClaimRow> Claims() => _readers.Use(s => JobQueries.Claims(s.Connection));

    public void PutRetry(RetryRow retry)
    {
        ArgumentNullException.ThrowIfNull(retry);
        ArgumentException.ThrowIfNullOrEmpty(retry.File, nameof(retry));
        _writer.Enqueue(new PutRetry(retry));
    }

    public void ClearRetry(string file) => _writer.Enqueue(new ClearRetry(file));

    public IReadOnlyList<RetryRow> Retries() => _readers.Use(s => JobQueries.Retries(s.Connection));

    /// <summary>A recall's row of the recalls table (written with the next batch).</summary>
    public void AppendRecall(RecallRow recall)
    {
        ArgumentNullException.ThrowIfNull(recall);
        _writer.Enqueue(new PutRecall(recall));
    }
}
