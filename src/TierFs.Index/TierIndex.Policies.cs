using TierFs.Index.Policies;

namespace TierFs.Index;

/// <summary>What the policy planner reads: a policy's candidates, and the paths of those it keeps.</summary>
public sealed partial class TierIndex
{
    /// <summary>
    /// Streams the files matching <paramref name="condition"/> and <paramref name="filter"/>, in the
    /// condition's order, without their paths, until <paramref name="visit"/> returns false. Runs on
    /// one reader connection: a long visit holds a read transaction (the writer goes on; the WAL grows).
    /// </summary>
    public void ReadCandidates(PolicyCondition condition, CandidateFilter filter, Func<FileCandidate, bool> visit)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(visit);
        _readers.Use(s =>
        {
            CandidateReader.Read(s.Connection, condition, filter, visit);
            return 0;
        });
    }

    /// <summary>Each entry's path relative to the root, in the same order; null for an entry that is gone.</summary>
    public IReadOnlyList<string?> PathsOf(IReadOnlyList<long> entryIds)
    {
        ArgumentNullException.ThrowIfNull(entryIds);
        return entryIds.Count == 0 ? [] : _readers.Use(s => CandidateReader.Paths(s.Connection, entryIds));
    }
}
