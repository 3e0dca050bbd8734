using TierFs.Daemon;
using TierFs.Index;
using TierFs.Tests.Policies;
using TierFs.Tiering.Config;

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
        _db.Index.PutRetry(new RetryRow(waiting, mtime, 1, nowMs + 3_600_000, "remote down"));
        _db.Index.PutRetry(new RetryRow(givenUp, mtime, 4, nowMs - 1, "remote down"));
        _db.Index.PutRetry(new RetryRow(due, mtime, 2, nowMs - 1, "remote down"));
        _db.Index.PutRetry(new RetryRow(changed, mtime - PlannerIndex.Day, 1, nowMs + 3_600_000, "remote down"));
        _db.Index.Flush();

        var planner = new IndexPlanner(_db.Index, new ScheduleConfig { Retries = 3 });
        var policy = new PolicyConfig { Name = "p", Where = "1", Action = PolicyAction.Migrate, MaxFiles = 2 };
        Assert.Equal(["d/due", "d/changed"], Assert.Single(planner.Plan([policy], now)).Files.Select(f => f.Path));
        Assert.Equal(["d/due", "d/changed", "d/fresh"], planner.Plan([policy with { MaxFiles = null }], now)[0].Files.Select(f => f.Path));
    }
}
