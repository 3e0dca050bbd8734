using TierFs.Daemon;
using TierFs.Daemon.Jobs;
using TierFs.Index;
using TierFs.Tests.Policies;
using TierFs.Tiering.Config;
using TierFs.Records;

namespace TierFs.Tests.Daemon;

/// <summary>The daemon's planner on a real index: files waiting for a retry take no place under a policy's limits.</summary>
public class IndexPlannerTests : IDisposable
{
    private readonly PlannerIndex _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public void Files_waiting_for_a_retry_are_passed_over_and_do_not_count_against_max_files()
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(PlannerIndex.Now / 1_000_000);
        var nowMs = now.ToUnixTimeMilliseconds();
        var mtime = PlannerIndex.Now - 60 * PlannerIndex.Day; // the files' (File's default age)
        var waiting = _db.File("waiting", 500);       // backoff not over
        var givenUp = _db.File("given-up", 400);      // failed more often than retries allows
        var due = _db.File("due", 300);               // backoff over: tried again
        var changed = _db.File("changed", 200);       // failed on other data: tried at once
        _db.File("fresh", 100);
        _db.Index.PutRetry(new RetryRow(JobFileId.ForInode(waiting), mtime, 1, nowMs + 3_600_000, "remote down"));
        _db.Index.PutRetry(new RetryRow(JobFileId.ForInode(givenUp), mtime, 4, nowMs - 1, "remote down"));
        _db.Index.PutRetry(new RetryRow(JobFileId.ForInode(due), mtime, 2, nowMs - 1, "remote down"));
        _db.Index.PutRetry(new RetryRow(JobFileId.ForInode(changed), mtime - PlannerIndex.Day, 1, nowMs + 3_600_000, "remote down"));
        _db.Index.Flush();

        var planner = new IndexPlanner(_db.Index, new SqliteJobStore(_db.Index), new ScheduleConfig { Retries = 3 });
        var policy = new PolicyConfig { Name = "p", Where = "1", Action = PolicyAction.Migrate, MaxFiles = 2 };
        Assert.Equal(["d/due", "d/changed"], Assert.Single(planner.Plan([policy], now)).Files.Select(f => f.Path));
        Assert.Equal(["d/due", "d/changed", "d/fresh"], planner.Plan([policy with { MaxFiles = null }], now)[0].Files.Select(f => f.Path));
    }
}

/// <summary>What a run does not take of what its policy matches, and why (for `tierfs policy run` and its dry run).</summary>
public class HeldBackTests : IDisposable
{
    private readonly PlannerIndex _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public void Each_matching_file_not_planned_is_held_back_with_its_reason()
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(PlannerIndex.Now / 1_000_000);
        var mtime = PlannerIndex.Now - 60 * PlannerIndex.Day;
        _db.File("big", 900);
        _db.File("over-limit", 800);
        _db.File("young", 700, mtimeNs: PlannerIndex.Now - PlannerIndex.Day / 48); // 30 minutes old, min_age 1h
        _db.File("noarchive", 600, flags: TierFlags.NoArchive);
        var waiting = _db.File("waiting", 500);
        var givenUp = _db.File("given-up", 400);
        var other = _db.File("other-policy", 300);
        _db.File("released", 200, tier: StubRecord.StateReleased); // nothing to do for migrate: not held back
        _db.Index.PutRetry(new RetryRow(JobFileId.ForInode(waiting), mtime, 1, now.ToUnixTimeMilliseconds() + 3_600_000, "remote down"));
        _db.Index.PutRetry(new RetryRow(JobFileId.ForInode(givenUp), mtime, 5, 0, "remote down"));
        _db.Index.Flush();

        var planner = new IndexPlanner(_db.Index, new SqliteJobStore(_db.Index), new ScheduleConfig { Retries = 3 });
        var policy = new PolicyConfig { Name = "p", Where = "1", MaxFiles = 1 };
        var plan = planner.Plan([policy], now);
        Assert.Equal(["d/big"], plan[0].Files.Select(f => f.Path));
        var claimed = new HashSet<FileKey>(plan[0].Files.Select(f => f.Key)) { other };

        var held = planner.HeldBack(policy, claimed, now, retryNow: false).ToDictionary(g => g.Reason);
        Assert.Equal(
            ["failed too often: retried once it changes (or with --retry-now)", "noarchive", "over the policy's max_files or max_bytes: left for a later run",
             "waiting for a retry", "younger than min_age (1h)"],
            held.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["d/young"], held["younger than min_age (1h)"].Files.Select(f => f.Path));
        Assert.Equal(["d/noarchive"], held["noarchive"].Files.Select(f => f.Path));
        Assert.Equal(["d/over-limit"], held["over the policy's max_files or max_bytes: left for a later run"].Files.Select(f => f.Path));
        var wait = Assert.Single(held["waiting for a retry"].Files);
        Assert.Equal("d/waiting", wait.Path);
        Assert.Matches(@"^until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d, after 1 of 4 attempts, last: remote down$", wait.Detail);
        Assert.All(held.Values, g => Assert.Equal(g.Count, g.Files.Count));

        // --retry-now: the waiting files are planned (within max_files) and nothing waits.
        var now2 = planner.Plan([policy with { MaxFiles = null }], now, retryNow: true);
        Assert.Contains("d/waiting", now2[0].Files.Select(f => f.Path));
        Assert.Contains("d/given-up", now2[0].Files.Select(f => f.Path));
    }

    [Fact]
    public void A_reason_is_counted_in_full_and_named_up_to_the_cap()
    {
        var tally = new HeldTally();
        for (var i = 0; i < HeldTally.MaxNamed + 5; i++) tally.Add("open through the mount", $"f{i}");
        tally.Add([new HeldGroup("noarchive", 3, [new HeldFile("x", null)])]);
        var groups = tally.Groups();
        Assert.Equal(("open through the mount", HeldTally.MaxNamed + 5L, HeldTally.MaxNamed), (groups[0].Reason, groups[0].Count, groups[0].Files.Count));
        Assert.Equal(("noarchive", 3L), (groups[1].Reason, groups[1].Count));
    }
}
