using TierFs.Daemon.Jobs;
using TierFs.Index;
using TierFs.Index.Policies;
using TierFs.Policies;
using TierFs.Tiering.Config;
using TierFs.Records;

namespace TierFs.Daemon;

/// <summary>
/// The daemon's selections from the index through the policy planner; files waiting for a retry
/// (as the job store has them) are passed over. Plans on every record the engine wrote so far.
/// <paramref name="remote"/> is the mount's remote tier (its identity): a recall policy takes only
/// stubs archived there (null: any).
/// </summary>
public sealed class IndexPlanner(TierIndex index, IJobStore jobs, Func<ScheduleConfig> schedule, string? remote = null) : IPolicyPlanner
{
    public IndexPlanner(TierIndex index, IJobStore jobs, ScheduleConfig schedule, string? remote = null) : this(index, jobs, () => schedule, remote)
    {
    }

    public IReadOnlyList<PlannedPolicy> Plan(IReadOnlyList<PolicyConfig> policies, DateTimeOffset now, bool retryNow = false)
    {
        index.Flush();
        return PolicyPlanner.Plan(index, policies, Options(now, retryNow, out _)).Entries
            .Select(e => new PlannedPolicy(e.Policy, Candidates(e.Files)))
            .ToList();
    }

    public IReadOnlyList<PolicyCandidate> ColdestArchived(long bytes, DateTimeOffset now)
    {
        index.Flush(); // what the policies just archived is releasable now
        return Candidates(PolicyPlanner.SelectForRelease(index, bytes, Options(now, false, out _)));
    }

    public IReadOnlyList<HeldGroup> HeldBack(PolicyConfig policy, IReadOnlySet<FileKey> claimed, DateTimeOffset now, bool retryNow)
    {
        var options = Options(now, retryNow, out var retries);
        var groups = new Dictionary<string, (long Count, List<(long EntryId, string? Detail)> Named)>(StringComparer.Ordinal);
        PolicyPlanner.HeldBack(index, policy, options, claimed, c => retries.Why(c.FileId, c.Key, c.MtimeNs), (c, reason, detail) =>
        {
            var (count, named) = groups.TryGetValue(reason, out var g) ? g : (0, []);
            if (named.Count < HeldTally.MaxNamed) named.Add((c.EntryId, detail));
            groups[reason] = (count + 1, named);
        });
        return groups.Select(g =>
        {
            var paths = index.PathsOf(g.Value.Named.Select(n => n.EntryId).ToList());
            var files = g.Value.Named.Select((n, i) => (Path: paths[i], n.Detail)).Where(f => f.Path is not null).Select(f => new HeldFile(f.Path!, f.Detail)).ToList();
            return new HeldGroup(g.Key, g.Value.Count, files);
        }).ToList();
    }

    private PlanOptions Options(DateTimeOffset now, bool retryNow, out RetryGate retries)
    {
        var current = schedule();
        var gate = RetryGate.Load(jobs, current, now, retryNow);
        retries = gate;
        return PlanOptions.From(current, now, c => gate.Waits(c.FileId, c.Key, c.MtimeNs), remote);
    }

    // A path is null when the entry went away between selection and path lookup: nothing to move.
    private static List<PolicyCandidate> Candidates(IReadOnlyList<FileCandidate> files) =>
        files.Where(f => f.Path is not null).Select(f => new PolicyCandidate(f.Key, f.Path!, f.Size, f.MtimeNs, f.FileId)).ToList();
}
