using TierFs.Index;

namespace TierFs.Daemon.Jobs;

/// <summary>
/// Where the daemon keeps its jobs, its claims on files and the files it will retry: the daemon
/// uses nothing else for them. <see cref="SqliteJobStore"/> implements it on the mount's index
/// today; a shared PostgreSQL queue (several nodes: one plans at a time, every node's workers move
/// files, a node that dies hands its work back) will implement it later. The contract, which every
/// implementation keeps:
/// <list type="bullet">
/// <item><b>Files</b> are named by their stable id (<see cref="JobFileId"/>): the record's FileId
/// once the file has a record (it survives renames, and a restore that gives the file another
/// dev/ino; it is the same on every node), else "inode:DEV:INO" (a file never archived has no id
/// yet). A shared store must name never-archived files by an inode identity that every node sees
/// alike (the cluster filesystem's inode number, not the node-local dev).</item>
/// <item><b>Ids</b>: job ids and run numbers come from the store, unique and increasing across
/// every daemon that uses it (SQLite: the jobs table's rowid; PostgreSQL: sequences).</item>
/// <item><b>Claims</b>: a job claims the files it will move before it moves them
/// (<see cref="Claim"/>). A file has at most one live claim: a claim is held by <see cref="Owner"/>
/// for <see cref="Lease"/>, and a claim of another job that has not expired refuses the file
/// (atomically: of two jobs claiming at once, one gets it). An expired claim is anybody's. While
/// the job runs its daemon renews its claims and its own lease (<see cref="Renew"/>, at least every
/// third of the lease), so only a dead or hung daemon lets them expire; a file whose claim the job
/// no longer holds is not started. A file's claim goes when its outcome is recorded
/// (<see cref="Release"/>), the rest when the job finishes (<see cref="FinishJob"/>).</item>
/// <item><b>Hand-back</b>: <see cref="HandBackExpired"/> drops every expired claim and marks every
/// running job whose lease expired as interrupted; the next planner takes their files again. The
/// daemon calls it before it plans. On one node (SQLite) it clears what a crashed daemon left
/// (its jobs "running" for ever, its claims) once the lease has run out after a restart.</item>
/// <item><b>Retries</b>: one row per file id, replaced by <see cref="PutRetry"/>, dropped by
/// <see cref="ClearRetry"/>; the daemon computes attempts and next-try times.</item>
/// <item><b>Order and durability</b>: reads see every write made before them through the same
/// store. Claims, job ids and hand-backs are committed before the call returns; progress,
/// outcomes and retries may be committed after it (SQLite batches them) but in the order they were
/// made. A crash loses at most the last outcomes: those files are planned again (at least once,
/// never lost: the engine checks each file's record before it moves it).</item>
/// <item><b>Time</b>: leases are measured on the store's clock (a shared store should use the
/// database's, so that nodes' clocks do not matter).</item>
/// </list>
/// </summary>
public interface IJobStore
{
    /// <summary>Who this daemon is, as its jobs and claims name it: node and process ("NODE:PID", the node as the operation log names it).</summary>
    string Owner { get; }

    /// <summary>How long a claim (and a running job) lasts without renewal.</summary>
    TimeSpan Lease { get; }

    /// <summary>A fresh run number (one scan and every policy's job).</summary>
    long NextRun();

    /// <summary>Records a job that starts (status running, owned by <see cref="Owner"/>, its lease starting) and returns it with its id.</summary>
    JobRow StartJob(JobRow job);

    /// <summary>Records a running job's counts so far.</summary>
    void UpdateJob(JobRow job);

    /// <summary>Records a job's end (its final counts and status); the claims it still holds go.</summary>
    void FinishJob(JobRow job);

    /// <summary>The newest <paramref name="n"/> jobs of every owner, oldest first.</summary>
    IReadOnlyList<JobRow> RecentJobs(int n);

    /// <summary>Claims <paramref name="files"/> (stable ids) for the job: granted ones are its to move; refused ones another job holds.</summary>
    ClaimOutcome Claim(long job, IReadOnlyList<string> files);

    /// <summary>Extends the lease of the job and of its claims; returns the files it still holds.</summary>
    IReadOnlySet<string> Renew(long job);

    /// <summary>The job is done with the file (its outcome is recorded): the claim goes.</summary>
    void Release(long job, string file);

    /// <summary>Hands back every expired claim and interrupts every running job whose lease expired (their daemon died).</summary>
    HandBack HandBackExpired();

    /// <summary>Every file waiting for a retry.</summary>
    IReadOnlyList<RetryRow> Retries();

    void PutRetry(RetryRow retry);

    void ClearRetry(string file);
}

/// <summary>What a claim got: the files granted, and the claims that refused the others.</summary>
public sealed record ClaimOutcome(IReadOnlyList<string> Granted, IReadOnlyList<ClaimRow> Refused);

/// <summary>What <see cref="IJobStore.HandBackExpired"/> handed back.</summary>
public sealed record HandBack(IReadOnlyList<ClaimRow> Claims, IReadOnlyList<JobRow> Jobs);
