using TierFs.Daemon;
using TierFs.Index;
using TierFs.Tests.Index;
using TierFs.Tiering.Config;

namespace TierFs.Tests.Daemon;

/// <summary>The daemon's planner on a real index: files waiting for a retry take no place under a policy's limits.</summary>
public class IndexPlannerTests : IDisposable
{
    private const long Day = 86_400_000_000_000;
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private static readonly long OldNs = (Now.ToUnixTimeMilliseconds() - 60 * 86_400_000L) * 1_000_000;

    private readonly IndexTestFiles _files = new();
    private readonly TierIndex _index;
    private long _nextId = 2;

    public IndexPlannerTests()
    {
        _index = _files.Open();
        _index.PutEntry(new EntryRow { Id = 1, ParentId = 0, Name = "", Type = EntryRow.TypeDir, Key = new FileKey(1, 1) });
        _index.PutEntry(new EntryRow { Id = 2, ParentId = 1, Name = "d", Type = EntryRow.TypeDir, Key = new FileKey(1, 2) });
    }

    public void Dispose()
    {
        _index.Dispose();
        _files.Dispose();
    }

    private FileKey File(string name, long size)
    {
        var id = ++_nextId;
        var key = new FileKey(1, (ulong)id);
        _index.PutEntry(new EntryRow
        {
            Id = id, ParentId = 2, Name = name, Type = EntryRow.TypeFile, Key = key, Nlink = 1, Mode = 0x81a4,
            Size = size, AtimeNs = OldNs, MtimeNs = OldNs, CtimeNs = OldNs,
        });
        return key;
    }

    [Fact]
    public void Files_waiting_for_a_retry_are_passed_over_and_do_not_count_against_max_files()
    {
        var schedule = new ScheduleConfig { Retries = 3 };
        var nowMs = Now.ToUnixTimeMilliseconds();
        var waiting = File("waiting", 500);       // backoff not over
        var givenUp = File("given-up", 400);      // failed more often than retries allows
        var due = File("due", 300);               // backoff over: tried again
        var changed = File("changed", 200);       // failed on other data: tried at once
        File("fresh", 100);
        _index.PutRetry(new RetryRow(waiting, OldNs, 1, nowMs + 3_600_000, "remote down"));
        _index.PutRetry(new RetryRow(givenUp, OldNs, 4, nowMs - 1, "remote down"));
        _index.PutRetry(new RetryRow(due, OldNs, 2, nowMs - 1, "remote down"));
        _index.PutRetry(new RetryRow(changed, OldNs - Day, 1, nowMs + 3_600_000, "remote down"));
        _index.Flush();

        var policy = new PolicyConfig { Name = "p", Where = "1", Action = PolicyAction.Migrate, MaxFiles = 2 };
        var plan = Assert.Single(new IndexPlanner(_index, schedule).Plan([policy], Now));
        Assert.Equal(["d/due", "d/changed"], plan.Files.Select(f => f.Path));

        var all = policy with { MaxFiles = null };
        Assert.Equal(["d/due", "d/changed", "d/fresh"], new IndexPlanner(_index, schedule).Plan([all], Now)[0].Files.Select(f => f.Path));
    }
}
