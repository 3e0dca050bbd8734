using TierFs.Tests.Fakes;
using TierFs.Daemon;
using TierFs.Daemon.Jobs;
using TierFs.Index;
using TierFs.Records;
using TierFs.Tests.Index;
using TierFs.Tests.Tiering;
using TierFs.Tiering.Config;
using TierFs.Tiering.Engine;

namespace TierFs.Tests.Daemon;

/// <summary>The job store's contract on SQLite: store-given ids, claims with an owner and a lease, hand-back, retries by file id.</summary>
public sealed class SqliteJobStoreTests : IDisposable
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);
    private readonly IndexTestFiles _files = new();
    private readonly TierIndex _index;
    private readonly ManualClock _clock = new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));

    public SqliteJobStoreTests() => _index = _files.Open();

    public void Dispose()
    {
        _index.Dispose();
        _files.Dispose();
    }

    private SqliteJobStore Store(string owner, TierIndex? index = null) => new(index ?? _index, _clock, Lease, owner);

    private JobRow Start(IJobStore store, string policy = "p") => store.StartJob(new JobRow
    {
        Id = 0, Run = store.NextRun(), Kind = "policy", Policy = policy, Action = "migrate",
        StartedMs = _clock.GetUtcNow().ToUnixTimeMilliseconds(), Status = JobRow.StatusRunning,
    });

    [Fact]
    public void A_claimed_file_is_refused_to_another_job_until_it_is_released()
    {
        var a = Store("node-a:1");
        var b = Store("node-b:2");
        var jobA = Start(a);
        var jobB = Start(b);
        Assert.Equal(["f1", "f2"], a.Claim(jobA.Id, ["f1", "f2"]).Granted);

        var second = b.Claim(jobB.Id, ["f2", "f3"]);
        Assert.Equal(["f3"], second.Granted);
        var refused = Assert.Single(second.Refused);
        Assert.Equal(("f2", jobA.Id, "node-a:1"), (refused.File, refused.Job, refused.Owner));
        Assert.Equal(_clock.GetUtcNow().Add(Lease).ToUnixTimeMilliseconds(), refused.ExpiresMs);
        Assert.Equal(["f1", "f2"], a.Claim(jobA.Id, ["f1", "f2"]).Granted); // its own again: still its

        a.Release(jobA.Id, "f2");
        Assert.Equal(["f2"], b.Claim(jobB.Id, ["f2"]).Granted);
        a.FinishJob(jobA with { Status = JobRow.StatusDone, FinishedMs = 1 });
        Assert.Equal(["f1"], b.Claim(jobB.Id, ["f1"]).Granted); // the end of a job releases what it still held
    }

    [Fact]
    public async Task Two_jobs_claiming_the_same_files_at_once_never_both_get_one()
    {
        var stores = new[] { Store("node-a:1"), Store("node-b:2"), Store("node-c:3") };
        var jobs = stores.Select(s => Start(s)).ToArray();
        var files = Enumerable.Range(0, 300).Select(i => $"f{i}").ToList();
        var grants = await Task.WhenAll(stores.Select((s, i) => Task.Run(() => s.Claim(jobs[i].Id, files.OrderBy(_ => Random.Shared.Next()).ToList()))));
        var all = grants.SelectMany(g => g.Granted).ToList();
        Assert.Equal(files.Count, all.Count);
        Assert.Equal(files.Order(StringComparer.Ordinal), all.Order(StringComparer.Ordinal));
        Assert.All(grants, g => Assert.Equal(files.Count, g.Granted.Count + g.Refused.Count));
    }

    [Fact]
    public void An_expired_claim_is_handed_back_and_its_dead_jobs_marked_interrupted()
    {
        var dead = Store("node-a:1");
        var job = Start(dead);
        dead.Claim(job.Id, ["f1", "f2"]);
        dead.UpdateJob(job with { Files = 1 });

        // The daemon dies; a new one (another process) starts: the claims hold until their lease runs out.
        var next = Store("node-a:2");
        var mine = Start(next);
        Assert.Empty(next.HandBackExpired().Claims);
        Assert.Empty(next.Claim(mine.Id, ["f1"]).Granted);

        _clock.Advance(Lease + TimeSpan.FromSeconds(1));
        var back = next.HandBackExpired();
        Assert.Equal([("f1", job.Id, "node-a:1"), ("f2", job.Id, "node-a:1")], back.Claims.Select(c => (c.File, c.Job, c.Owner)).Order());
        // Both the dead daemon's job and the new one's (never renewed here) ran out; each is interrupted with what it did.
        var interrupted = back.Jobs.Single(j => j.Id == job.Id);
        Assert.Equal((JobRow.StatusInterrupted, 1L, "node-a:1"), (interrupted.Status, interrupted.Files, interrupted.Owner));
        Assert.Equal(JobRow.StatusInterrupted, next.RecentJobs(10).Single(j => j.Id == job.Id).Status);
        Assert.Empty(_index.Claims());
        var again = Start(next);
        Assert.Equal(["f1", "f2"], next.Claim(again.Id, ["f1", "f2"]).Granted);
    }

    [Fact]
    public void Renewing_keeps_a_claim_past_its_first_lease_and_tells_a_job_what_it_lost()
    {
        var a = Store("node-a:1");
        var b = Store("node-b:2");
        var jobA = Start(a);
        var jobB = Start(b);
        a.Claim(jobA.Id, ["f1", "f2"]);
        _clock.Advance(Lease * 2 / 3);
        Assert.Equal(["f1", "f2"], a.Renew(jobA.Id).Order());
        _clock.Advance(Lease * 2 / 3); // past the first lease, within the renewed one
        Assert.Empty(b.Claim(jobB.Id, ["f1"]).Granted);
        Assert.Empty(b.HandBackExpired().Claims);

        _clock.Advance(Lease); // a hangs: its lease runs out, b takes one file over
        Assert.Equal(["f1"], b.Claim(jobB.Id, ["f1"]).Granted);
        Assert.Equal(["f2"], a.Renew(jobA.Id)); // f1 is b's now: a must not start it
    }

    [Fact]
    public void Job_ids_and_runs_come_from_the_index_not_from_a_process()
    {
        using var other = TierIndex.Open(_files.DbPath); // a second daemon's connection to the same index
        var a = Store("node-a:1");
        var b = Store("node-b:2", other);
        var ids = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(Start(a).Id);
            ids.Add(Start(b).Id);
        }
        Assert.Equal(ids.Order(), ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(["node-a:1", "node-b:2"], a.RecentJobs(10).Select(j => j.Owner).Distinct().Order());

        var lastRun = a.RecentJobs(10).Max(j => j.Run);
        Assert.True(Store("node-a:9").NextRun() > lastRun, "a restarted daemon continues the run numbers");
    }

    [Fact]
    public async Task A_files_retries_follow_its_id_through_a_rename_and_a_restore_that_changes_its_inode()
    {
        var failing = new FakeMover { Move = (_, _) => Task.FromResult(new PolicyFileResult(PolicyOutcome.Failed, "remote down", 0)) };
        var config = new TierFsConfig
        {
            Policies = [new PolicyConfig { Name = "p", Where = "1" }],
            Schedule = new ScheduleConfig { RetryBackoff = TimeSpan.FromHours(1) },
        };
        var jobs = new SqliteJobStore(_index);
        var archived = new PolicyCandidate(new FileKey(0x803, 100), "proj/a.h5", 1000, MtimeNs: 42, FileId: "4f1c0ffee");
        using (var daemon = new TieringDaemon(config, jobs, new FixedPlanner(archived), new NoScan(), failing, new FixedUsage(0, 100)))
            await daemon.RunAsync(null, false, null, CancellationToken.None);
        Assert.Equal("4f1c0ffee", Assert.Single(jobs.Retries()).File);

        // Renamed, then restored from a backup onto another filesystem: another path, dev and inode, the same record.
        var restored = archived with { Key = new FileKey(0x901, 7), Path = "old/a.h5" };
        var sink = new RecordingSink();
        using (var daemon = new TieringDaemon(config, jobs, new FixedPlanner(restored), new NoScan(), failing, new FixedUsage(0, 100)))
            await daemon.RunAsync(new TierFs.Tiering.Control.ControlRequest(TierFs.Tiering.Control.TierOp.PolicyRun, [], false), sink, CancellationToken.None);
        Assert.Equal(1, failing.Calls); // still waiting for its retry
        Assert.Contains(sink.Results, r => r is { Path: "old/a.h5", State: "skipped: waiting for a retry" });
    }

    [Fact]
    public async Task A_never_archived_file_is_retried_by_its_inode_and_keeps_its_count_once_it_has_a_record()
    {
        var mover = new FakeMover { Move = (_, _) => Task.FromResult(new PolicyFileResult(PolicyOutcome.Failed, "release refused", 0)) };
        var config = new TierFsConfig
        {
            Policies = [new PolicyConfig { Name = "p", Where = "1" }],
            Schedule = new ScheduleConfig { RetryBackoff = TimeSpan.Zero },
        };
        var jobs = new SqliteJobStore(_index);
        var resident = new PolicyCandidate(new FileKey(0x803, 5), "b", 10, MtimeNs: 42);
        using (var daemon = new TieringDaemon(config, jobs, new FixedPlanner(resident), new NoScan(), mover, new FixedUsage(0, 100)))
            await daemon.RunAsync(null, false, null, CancellationToken.None);
        Assert.Equal(JobFileId.ForInode(resident.Key), Assert.Single(jobs.Retries()).File);

        // Its archive succeeded before the release failed: it has a record (an id) now. The same failure counts on.
        using (var daemon = new TieringDaemon(config, jobs, new FixedPlanner(resident with { FileId = "9abc" }), new NoScan(), mover, new FixedUsage(0, 100)))
            await daemon.RunAsync(null, false, null, CancellationToken.None);
        var retry = Assert.Single(jobs.Retries());
        Assert.Equal(("9abc", 2), (retry.File, retry.Attempts));

        mover.Move = (f, _) => Task.FromResult(new PolicyFileResult(PolicyOutcome.Done, null, f.Size));
        using (var daemon = new TieringDaemon(config, jobs, new FixedPlanner(resident with { FileId = "9abc" }), new NoScan(), mover, new FixedUsage(0, 100)))
            await daemon.RunAsync(null, false, null, CancellationToken.None);
        Assert.Empty(jobs.Retries());
    }

    [Fact]
    public async Task A_job_moves_no_file_another_live_job_holds_and_leaves_no_claim_behind()
    {
        var jobs = new SqliteJobStore(_index, lease: Lease, owner: "node-a:1");
        var other = new SqliteJobStore(_index, lease: Lease, owner: "node-b:2");
        var held = Start(other);
        other.Claim(held.Id, [JobFileId.ForInode(new FileKey(1, 2))]);

        var mover = new FakeMover();
        var sink = new RecordingSink();
        using var daemon = new TieringDaemon(new TierFsConfig { Policies = [new PolicyConfig { Name = "p", Where = "1" }] }, jobs,
            new FixedPlanner(new PolicyCandidate(new FileKey(1, 1), "f1", 10, 42), new PolicyCandidate(new FileKey(1, 2), "f2", 10, 42)),
            new NoScan(), mover, new FixedUsage(0, 100));
        await daemon.RunAsync(new TierFs.Tiering.Control.ControlRequest(TierFs.Tiering.Control.TierOp.PolicyRun, [], false), sink, CancellationToken.None);
        Assert.Equal(1, mover.Calls);
        Assert.Contains(sink.Results, r => r is { Path: "f2", State: "skipped: claimed by another job" });
        var job = jobs.RecentJobs(10)[^1];
        Assert.Equal(("node-a:1", 1L, 1L), (job.Owner, job.Files, job.Skipped));
        _index.Flush();
        Assert.Equal([("node-b:2", held.Id)], _index.Claims().Select(c => (c.Owner, c.Job))); // only the other job's claim is left
    }
}

/// <summary>A running job renews its lease, and starts no file whose claim it lost.</summary>
public sealed class JobLeaseTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private readonly IndexTestFiles _files = new();
    private readonly TierIndex _index;

    public JobLeaseTests() => _index = _files.Open();

    public void Dispose()
    {
        _index.Dispose();
        _files.Dispose();
    }

    /// <summary>The SQLite store, except that a renewal reports <see cref="Lost"/> as taken by another daemon.</summary>
    private sealed class LosingStore(SqliteJobStore inner) : IJobStore
    {
        public volatile string? Lost;
        public int Renewals;
        public string Owner => inner.Owner;
        public TimeSpan Lease => inner.Lease;
        public long NextRun() => inner.NextRun();
        public JobRow StartJob(JobRow job) => inner.StartJob(job);
        public void UpdateJob(JobRow job) => inner.UpdateJob(job);
        public void FinishJob(JobRow job) => inner.FinishJob(job);
        public IReadOnlyList<JobRow> RecentJobs(int n) => inner.RecentJobs(n);
        public ClaimOutcome Claim(long job, IReadOnlyList<string> files) => inner.Claim(job, files);

        public IReadOnlySet<string> Renew(long job)
        {
            var held = inner.Renew(job).Where(f => f != Lost).ToHashSet();
            Interlocked.Increment(ref Renewals);
            return held;
        }

        public void Release(long job, string file) => inner.Release(job, file);
        public HandBack HandBackExpired() => inner.HandBackExpired();
        public IReadOnlyList<RetryRow> Retries() => inner.Retries();
        public void PutRetry(RetryRow retry) => inner.PutRetry(retry);
        public void ClearRetry(string file) => inner.ClearRetry(file);
    }

    private (TieringDaemon, GatedMoves) Daemon(IJobStore store, int files)
    {
        var moves = new GatedMoves();
        var mover = new FakeMover
        {
            Move = async (f, ct) =>
            {
                await moves.Move(f.Path, ct);
                return new PolicyFileResult(PolicyOutcome.Done, null, f.Size);
            },
        };
        var config = new TierFsConfig { Policies = [new PolicyConfig { Name = "p", Where = "1" }], Schedule = new ScheduleConfig { Workers = 1 } };
        var candidates = Enumerable.Range(0, files).Select(i => new PolicyCandidate(new FileKey(1, (ulong)i + 1), $"f{i}", 100 - i, 42)).ToArray();
        return (new TieringDaemon(config, store, new FixedPlanner(candidates), new NoScan(), mover, new FixedUsage(0, 100)), moves);
    }

    [Fact]
    public async Task A_running_job_renews_its_claims()
    {
        var store = new SqliteJobStore(_index, lease: TimeSpan.FromSeconds(3));
        var (daemon, moves) = Daemon(store, 1);
        using var _ = daemon;
        var run = daemon.RunAsync(null, false, null, CancellationToken.None);
        moves.Await(m => m.Moving == 1, "the file moves");
        var first = Assert.Single(_index.Claims()).ExpiresMs;
        moves.Await(_ => _index.Claims() is [{ } c] && c.ExpiresMs > first, "the claim's lease is renewed");
        moves.ReleaseAll();
        Assert.Equal(1, Assert.Single(await run.WaitAsync(Bound)).Files);
        _index.Flush();
        Assert.Empty(_index.Claims());
    }

    [Fact]
    public async Task A_file_whose_claim_the_job_lost_is_not_started()
    {
        var store = new LosingStore(new SqliteJobStore(_index, lease: TimeSpan.FromSeconds(3))) { Lost = JobFileId.ForInode(new FileKey(1, 2)) };
        var (daemon, moves) = Daemon(store, 2);
        using var _ = daemon;
        var sink = new RecordingSink();
        var run = daemon.RunAsync(new TierFs.Tiering.Control.ControlRequest(TierFs.Tiering.Control.TierOp.PolicyRun, [], false), sink, CancellationToken.None);
        moves.Await(m => m.Moving == 1, "the first file moves");
        moves.Await(_ => Volatile.Read(ref store.Renewals) > 0, "the job renews its lease");
        moves.ReleaseAll();
        await run.WaitAsync(Bound);
        Assert.Equal(["f0"], moves.Started);
        Assert.Contains(sink.Results, r => r is { Path: "f1", State: "skipped: claimed by another job" });
    }
}
