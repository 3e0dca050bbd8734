using TierFs.Index;
using TierFs.Index.Policies;
using TierFs.Policies;
using TierFs.Tiering.Config;

namespace TierFs.Daemon;

/// <summary>The daemon's selections from the index through the policy planner; files waiting for a retry are passed over.</summary>
public sealed class IndexPlanner(TierIndex index, ScheduleConfig schedule) : IPolicyPlanner
{
    public IReadOnlyList<PlannedPolicy> Plan(IReadOnlyList<PolicyConfig> policies, DateTimeOffset now) =>
        PolicyPlanner.Plan(index, policies, Options(now)).Entries
            .Select(e => new PlannedPolicy(e.Policy, Candidates(e.Files)))
            .ToList();

    public IReadOnlyList<PolicyCandidate> ColdestArchived(long bytes, DateTimeOffset now) =>
        Candidates(PolicyPlanner.SelectForRelease(index, bytes, Options(now)));

    private PlanOptions Options(DateTimeOffset now)
    {
        var retries = RetryGate.Load(index, schedule, now);
        return PlanOptions.From(schedule, now, c => retries.Waits(c.Key, c.MtimeNs));
    }

    // A path is null when the entry went away between selection and path lookup: nothing to move.
    private static List<PolicyCandidate> Candidates(IReadOnlyList<FileCandidate> files) =>
        files.Where(f => f.Path is not null).Select(f => new PolicyCandidate(f.Key, f.Path!, f.Size, f.MtimeNs)).ToList();
}
