using System.Diagnostics;
using TierFs.Index;
using TierFs.Index.Policies;
using TierFs.Tiering.Config;
using TierFs.Records;

namespace TierFs.Policies;

/// <summary>
/// Decides what a run moves: each policy's where, plus the conditions its action implies, read
/// from the index in priority order; an inode claimed by one policy is passed over by the later
/// ones (hard links: once). Reads only; the daemon does the moving.
/// </summary>
public static class PolicyPlanner
{
    private const int NoArchive = (int)TierFlags.NoArchive;
    private const int NoRelease = (int)TierFlags.NoRelease;

    /// <summary>
    /// The states a file may be in for an action and, for each, the flags that exclude it: migrate
    /// skips noarchive files and archived norelease ones (archiving them again would do nothing).
    /// </summary>
    public static IReadOnlyDictionary<string, int> StatesFor(PolicyAction action) => action switch
    {
        PolicyAction.Migrate => States((TierState.Resident, NoArchive), (TierState.Dirty, NoArchive), (TierState.Archived, NoArchive | NoRelease)),
        PolicyAction.Archive => States((TierState.Resident, NoArchive), (TierState.Dirty, NoArchive)),
        PolicyAction.Release => States((TierState.Archived, NoRelease)),
        // Flags say what may leave the disk; bringing data back is never against them.
        PolicyAction.Recall => States((TierState.Released, 0)),
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };

    private static Dictionary<string, int> States(params (TierState State, int ExcludedBy)[] states) =>
        states.ToDictionary(s => TierStateNames.Name(s.State), s => s.ExcludedBy);

    /// <summary>Plans one run of <paramref name="policies"/> (any order: run by priority, then file order).</summary>
    public static PolicyPlan Plan(TierIndex index, IEnumerable<PolicyConfig> policies, PlanOptions options)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(options);
        var claimed = new HashSet<FileKey>();
        var entries = new List<PolicyPlanEntry>();
        foreach (var policy in policies.OrderBy(p => p.Priority))
        {
            var clock = Stopwatch.StartNew();
            var condition = PolicyCondition.Compile(policy.Where, policy.Order);
            var files = new List<FileCandidate>();
            long bytes = 0;
            index.ReadCandidates(condition, Filter(policy.Action, options), c =>
            {
                if (claimed.Contains(c.Key) || options.Skip?.Invoke(c) == true) return true;
                // A file too large for what is left of max_bytes waits for a later run; smaller ones may still fit.
                if (policy.MaxBytes is { } maxBytes && bytes + c.Size > maxBytes) return bytes < maxBytes;
                claimed.Add(c.Key);
                files.Add(c);
                bytes += c.Size;
                return policy.MaxFiles is not { } maxFiles || files.Count < maxFiles;
            });
            entries.Add(new PolicyPlanEntry(policy, WithPaths(index, files), clock.Elapsed));
        }
        return new PolicyPlan(entries);
    }

    /// <summary>
    /// For the usage thresholds: archived files (not norelease, not hot, not skipped), least
    /// recently accessed first, until their sizes reach <paramref name="bytesNeeded"/>.
    /// </summary>
    public static IReadOnlyList<FileCandidate> SelectForRelease(TierIndex index, long bytesNeeded, PlanOptions options)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(options);
        if (bytesNeeded <= 0) return [];
        var files = new List<FileCandidate>();
        long bytes = 0;
        index.ReadCandidates(ColdestFirst.Value, Filter(PolicyAction.Release, options), c =>
        {
            if (options.Skip?.Invoke(c) == true) return true;
            files.Add(c);
            bytes += c.Size;
            return bytes < bytesNeeded;
        });
        return WithPaths(index, files);
    }

    /// <summary>
    /// Why the files <paramref name="policy"/> matches are not in this run's plan: each regular
    /// file with data, in a state the action takes, that no policy claimed (<paramref name="claimed"/>),
    /// is visited with its reason: "noarchive" or "norelease", "younger than min_age (1h)", what
    /// <paramref name="waiting"/> says (a retry), else the policy's max_files/max_bytes.
    /// </summary>
    public static void HeldBack(TierIndex index, PolicyConfig policy, PlanOptions options, IReadOnlySet<FileKey> claimed,
        Func<FileCandidate, (string Reason, string Detail)?> waiting, Action<FileCandidate, string, string?> visit)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(options);
        var states = StatesFor(policy.Action);
        // The same statement as the plan's, without what holds files back: no flag excluded, any age.
        var planned = Filter(policy.Action, options);
        var all = planned with { States = states.ToDictionary(s => s.Key, _ => 0), ChangedBeforeNs = long.MaxValue };
        var young = $"younger than min_age ({Units.FormatDuration(options.MinAge)})";
        index.ReadCandidates(PolicyCondition.Compile(policy.Where, policy.Order), all, c =>
        {
            if (claimed.Contains(c.Key)) return true;
            var flags = c.Flags & states[c.State];
            if ((flags & NoArchive) != 0) visit(c, "noarchive", null);
            else if ((flags & NoRelease) != 0) visit(c, "norelease", null);
            else if (c.MtimeNs >= planned.ChangedBeforeNs) visit(c, young, null);
            else if (waiting(c) is { } wait) visit(c, wait.Reason, wait.Detail);
            else visit(c, "over the policy's max_files or max_bytes: left for a later run", null);
            return true;
        });
    }

    private static readonly Lazy<PolicyCondition> ColdestFirst = new(() => PolicyCondition.Compile("1", "atime ASC, size DESC"));

    /// <summary>
    /// The conditions an action adds. A recall takes stubs of this mount's remote tier at any age:
    /// min_age keeps data that is being written from leaving the disk, and a stub's data is not on it.
    /// </summary>
    private static CandidateFilter Filter(PolicyAction action, PlanOptions options) => action == PolicyAction.Recall
        ? new() { States = StatesFor(action), Remote = options.Remote }
        : new() { States = StatesFor(action), ChangedBeforeNs = options.ChangedBeforeNs };

    private static List<FileCandidate> WithPaths(TierIndex index, List<FileCandidate> files)
    {
        var paths = index.PathsOf(files.Select(f => f.EntryId).ToList());
        return files.Select((f, i) => f with { Path = paths[i] }).ToList();
    }
}
