using TierFs.Index.Policies;
using TierFs.Tiering.Config;

namespace TierFs.Policies;

/// <summary>One policy's share of a run: its files in its order (an inode at most once in the whole plan).</summary>
public sealed record PolicyPlanEntry(PolicyConfig Policy, IReadOnlyList<FileCandidate> Files, TimeSpan Elapsed)
{
    public long Bytes { get; } = Files.Sum(f => f.Size);
    /// <summary>Matched nothing (or only files already claimed or skipped): the daemon logs it as skipped.</summary>
    public bool IsEmpty => Files.Count == 0;
}

/// <summary>What one run would do, policy by policy in priority order.</summary>
public sealed record PolicyPlan(IReadOnlyList<PolicyPlanEntry> Entries)
{
    public long Files => Entries.Sum(e => (long)e.Files.Count);
    public long Bytes => Entries.Sum(e => e.Bytes);
}
