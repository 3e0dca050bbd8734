using TierFs.Index;
using TierFs.Policies;
using TierFs.Tests.Index;
using TierFs.Tiering.Config;
using TierFs.Records;

namespace TierFs.Tests.Policies;

/// <summary>The planner on a real index: automatic conditions per action, priorities, claims, limits, order, min age, release by coldness.</summary>
public class PolicyPlannerTests : IDisposable
{
    private const long Day = PlannerIndex.Day;
    private static readonly long Now = PlannerIndex.Now;

    private readonly PlannerIndex _db = new();
    private readonly TierIndex _index;

    public PolicyPlannerTests() => _index = _db.Index;

    public void Dispose() => _db.Dispose();

    private void File(string name, long size, long ageDays = 60, string? tier = null, bool dirty = false, TierFlags flags = 0,
        ulong ino = 0, long? mtimeNs = null, long? ctimeNs = null, long uid = 1000, string? remote = null, long? recordSize = null) =>
        _db.File(name, size, ageDays, tier, dirty, flags, ino, mtimeNs, ctimeNs, uid, remote, recordSize);

    private static PolicyConfig Policy(string name, string where = "1", PolicyAction action = PolicyAction.Migrate, int priority = 100,
        string order = "size DESC", long? maxFiles = null, long? maxBytes = null) =>
        new() { Name = name, Where = where, Action = action, Priority = priority, Order = order, MaxFiles = maxFiles, MaxBytes = maxBytes };

    private PolicyPlan Plan(params PolicyConfig[] policies) => Plan(new PlanOptions(), policies);

    private PolicyPlan Plan(PlanOptions options, params PolicyConfig[] policies)
    {
        _index.Flush();
        return PolicyPlanner.Plan(_index, policies, options);
    }

    private static string[] Names(PolicyPlanEntry e) => e.Files.Select(f => f.Path!).ToArray();

    private void Zoo()
    {
        File("resident", 100);
        File("dirty", 200, tier: StubRecord.StateArchived, dirty: true);
        File("archived", 300, tier: StubRecord.StateArchived);
        File("released", 400, tier: StubRecord.StateReleased);
        File("lost", 450, tier: StubRecord.StateLost);
        File("noarchive", 500, flags: TierFlags.NoArchive);
        File("norelease", 600, flags: TierFlags.NoRelease);
        File("archived-norelease", 700, tier: StubRecord.StateArchived, flags: TierFlags.NoRelease);
        File("archived-noarchive", 750, tier: StubRecord.StateArchived, flags: TierFlags.NoArchive);
        File("empty", 0);
        File("hot-mtime", 800, mtimeNs: Now - Day / 24 / 6);
        File("hot-ctime", 900, ctimeNs: Now - Day / 24 / 6);
        _index.PutEntry(new EntryRow { Id = _db.NextId(), ParentId = 2, Name = "subdir", Type = EntryRow.TypeDir, Key = new FileKey(1, 99), Size = 4096 });
        _index.PutEntry(new EntryRow { Id = _db.NextId(), ParentId = 2, Name = "link", Type = EntryRow.TypeSymlink, Key = new FileKey(1, 98), Size = 10, Target = "x" });
    }

    [Theory]
    [InlineData(PolicyAction.Migrate, new[] { "d/hot-ctime", "d/norelease", "d/archived", "d/dirty", "d/resident" })]
    [InlineData(PolicyAction.Archive, new[] { "d/hot-ctime", "d/norelease", "d/dirty", "d/resident" })]
    [InlineData(PolicyAction.Release, new[] { "d/archived-noarchive", "d/archived" })]
    public void Each_action_adds_its_own_conditions_regular_files_with_data_not_hot(PolicyAction action, string[] expected)
    {
        Zoo();
        var entry = Assert.Single(Plan(Policy("all", action: action)).Entries);
        Assert.Equal(expected, Names(entry));
        Assert.Equal(entry.Files.Sum(f => f.Size), entry.Bytes);
    }

    [Fact]
    public void Recall_takes_released_stubs_of_this_remote_at_any_age_never_lost_mismatched_or_foreign_ones()
    {
        Zoo(); // resident, dirty, archived files, a lost stub, flags, hot files, a directory and a symlink
        const string here = "s3://tier/east/";
        File("here", 410, tier: StubRecord.StateReleased, remote: here);
        File("here-hot", 420, tier: StubRecord.StateReleased, remote: here, mtimeNs: Now - Day / 24 / 6);
        File("here-flags", 430, tier: StubRecord.StateReleased, remote: here, flags: TierFlags.NoArchive | TierFlags.NoRelease);
        File("foreign", 440, tier: StubRecord.StateReleased, remote: "s3://other/east/");
        File("mismatch", 460, tier: StubRecord.StateReleased, remote: here, recordSize: 1);
        File("lost-here", 470, tier: StubRecord.StateLost, remote: here);
        var options = new PlanOptions { Remote = here };

        // "released" has a record written before records named their remote: not foreign.
        var entry = Assert.Single(Plan(options, Policy("prestage", action: PolicyAction.Recall)).Entries);
        Assert.Equal(["d/here-flags", "d/here-hot", "d/here", "d/released"], Names(entry));
        Assert.All(entry.Files, f => Assert.Equal("released", f.State));
        // Without a remote to compare with (a planner not told it), the foreign one is taken too (the engine skips it).
        Assert.Contains("d/foreign", Names(Plan(Policy("prestage", action: PolicyAction.Recall)).Entries[0]));
        // Its where, order and limits as for any policy.
        Assert.Equal(["d/released", "d/here"], Names(Plan(options, Policy("p", "size < 425", PolicyAction.Recall, order: "size ASC", maxFiles: 2)).Entries[0]));

        // Held back: only the limits (no min_age for a recall); never the lost, mismatched or foreign stubs.
        var capped = Policy("one", action: PolicyAction.Recall, maxFiles: 1);
        var claimed = Plan(options, capped).Entries[0].Files.Select(f => f.Key).ToHashSet();
        var held = new List<(long EntryId, string Reason)>();
        PolicyPlanner.HeldBack(_index, capped, options, claimed, _ => null, (c, reason, _) => held.Add((c.EntryId, reason)));
        Assert.Equal(["d/here-hot", "d/here", "d/released"], _index.PathsOf(held.Select(h => h.EntryId).ToList()));
        Assert.All(held, h => Assert.StartsWith("over the policy's max_files", h.Reason));
    }

    [Fact]
    public void Min_age_decides_what_is_hot()
    {
        Zoo();
        var recent = new PlanOptions { MinAge = TimeSpan.FromMinutes(5) };
        var names = Names(Plan(recent, Policy("all", "name LIKE 'hot%'")).Entries[0]);
        Assert.Equal(["d/hot-ctime", "d/hot-mtime"], names);
        // Only the data counts: a recent ctime alone (a chmod, TierFs's own record) is not hot.
        Assert.Equal(["d/hot-ctime"], Names(Plan(Policy("all", "name LIKE 'hot%'")).Entries[0]));
        // Planned as of two hours from now, with the default hour, they have cooled down.
        var later = new PlanOptions { Now = DateTimeOffset.UtcNow.AddHours(2) };
        Assert.Equal(2, Plan(later, Policy("all", "name LIKE 'hot%'")).Entries[0].Files.Count);
    }

    [Fact]
    public void Policies_run_by_priority_and_a_file_is_claimed_once_hard_links_included()
    {
        File("a", 10);
        File("b", 20);
        File("c", 30);
        File("c-link", 30, ino: 5); // the same inode as c (id 5)
        var plan = Plan(
            Policy("later", "1", priority: 50),
            Policy("first", "size >= 20", priority: 10),
            Policy("nothing", "uid = 4242", priority: 5));

        Assert.Equal(["nothing", "first", "later"], plan.Entries.Select(e => e.Policy.Name));
        Assert.True(plan.Entries[0].IsEmpty);
        Assert.Equal([5UL, 4UL], plan.Entries[1].Files.Select(f => f.Key.Ino));
        Assert.Equal(["d/a"], Names(plan.Entries[2]));
        Assert.Equal((3L, 60L), (plan.Files, plan.Bytes));
    }

    [Fact]
    public void Max_files_and_max_bytes_cap_a_policy_a_file_too_large_for_what_is_left_waits()
    {
        foreach (var (name, size) in new[] { ("f1", 100L), ("f2", 80L), ("f3", 50L), ("f4", 30L), ("f5", 10L) }) File(name, size);

        Assert.Equal(["d/f1", "d/f2"], Names(Plan(Policy("p", maxFiles: 2)).Entries[0]));
        // 100 fits, 80 would exceed 150, 50 fits (150): full, stop.
        Assert.Equal(["d/f1", "d/f3"], Names(Plan(Policy("p", maxBytes: 150)).Entries[0]));
        // Smallest first: 10 + 30 + 50 = 90; 80 and 100 would exceed 120.
        Assert.Equal(["d/f5", "d/f4", "d/f3"], Names(Plan(Policy("p", maxBytes: 120, order: "size ASC")).Entries[0]));
        // The files a capped policy left are free for the next one.
        var plan = Plan(Policy("one", maxFiles: 1, priority: 1), Policy("rest", priority: 2, order: "size ASC"));
        Assert.Equal(["d/f1"], Names(plan.Entries[0]));
        Assert.Equal(["d/f5", "d/f4", "d/f3", "d/f2"], Names(plan.Entries[1]));
    }

    [Fact]
    public void The_policys_where_and_order_and_the_time_functions_apply()
    {
        File("old-root", 10, ageDays: 90, uid: 0);
        File("old-user", 20, ageDays: 90);
        File("new-user", 30, ageDays: 2);
        File("mid-user", 40, ageDays: 40);
        var plan = Plan(Policy("cold", "uid = 1000 AND atime < now() - days(30)", order: "atime ASC"));
        Assert.Equal(["d/old-user", "d/mid-user"], Names(plan.Entries[0]));
        Assert.Equal(["d/new-user"], Names(Plan(Policy("warm", "atime >= now() - hours(72)")).Entries[0]));
        var c = plan.Entries[0].Files[0];
        Assert.Equal((20L, "resident", Now - 90 * Day), (c.Size, c.State, c.AtimeNs));
    }

    [Fact]
    public void Skipped_files_are_passed_over_without_counting_against_the_limits()
    {
        File("open", 100);
        File("b", 50);
        File("c", 10);
        var skip = new PlanOptions { Skip = c => c.Key.Ino == 3 };
        Assert.Equal(["d/b"], Names(Plan(skip, Policy("p", maxFiles: 1)).Entries[0]));
    }

    [Fact]
    public void Select_for_release_takes_archived_files_coldest_first_until_enough_bytes()
    {
        File("warm", 1000, ageDays: 2, tier: StubRecord.StateArchived);
        File("coldest", 100, ageDays: 300, tier: StubRecord.StateArchived);
        File("cold", 200, ageDays: 100, tier: StubRecord.StateArchived);
        File("pinned", 5000, ageDays: 400, tier: StubRecord.StateArchived, flags: TierFlags.NoRelease);
        File("resident", 5000, ageDays: 400);
        File("stub", 5000, ageDays: 400, tier: StubRecord.StateReleased);
        _index.Flush();

        Assert.Equal(["d/coldest", "d/cold"], PolicyPlanner.SelectForRelease(_index, 250, new PlanOptions()).Select(f => f.Path));
        Assert.Equal(["d/coldest"], PolicyPlanner.SelectForRelease(_index, 100, new PlanOptions()).Select(f => f.Path));
        Assert.Equal(["d/coldest", "d/cold", "d/warm"], PolicyPlanner.SelectForRelease(_index, 1L << 40, new PlanOptions()).Select(f => f.Path));
        Assert.Empty(PolicyPlanner.SelectForRelease(_index, 0, new PlanOptions()));
    }

    [Fact]
    public void The_time_functions_are_in_every_index_connection()
    {
        // Bracketed by the clock read around the query: the fixture's Now is taken once per test process, maybe minutes earlier on a loaded machine.
        static long NowNs() => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
        var before = NowNs();
        var row = _index.Query("SELECT now(), days(1), hours(2), days(0.5)").Rows[0];
        var after = NowNs();
        Assert.InRange((long)row[0]!, before, after);
        Assert.Equal((Day, Day / 12, Day / 2), ((long)row[1]!, (long)row[2]!, (long)row[3]!));
    }

    [Fact]
    public void A_size_predicate_and_the_default_order_read_the_size_index_schema_3()
    {
        var plan = string.Join("\n", _index.Query("EXPLAIN QUERY PLAN SELECT id FROM files WHERE size >= 1073741824 ORDER BY size DESC").Rows.Select(r => r[^1]));
        Assert.Contains("USING INDEX entries_size", plan);
        Assert.DoesNotContain("TEMP B-TREE", plan); // no sort: rows come in size order
    }
}
