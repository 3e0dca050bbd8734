using TierFs.Records;

namespace TierFs.Index.Policies;

/// <summary>
/// The conditions every policy's candidates get on top of its own where: regular files with data,
/// not changed since <see cref="ChangedBeforeNs"/>, in one of <see cref="States"/> and without the
/// flags listed for that state, of <see cref="Remote"/> when one is given.
/// </summary>
public sealed record CandidateFilter
{
    /// <summary>The states of the files view (resident, dirty, archived, released, lost) and, for each, the flag bits that exclude a file.</summary>
    public required IReadOnlyDictionary<string, int> States { get; init; }
    /// <summary>
    /// The data (mtime, unix ns) must be older than this; long.MaxValue = no age limit. Not ctime:
    /// TierFs's own record writes move it (an archived file would look hot to a release policy),
    /// and so does a chmod, which does not make the data hot.
    /// </summary>
    public long ChangedBeforeNs { get; init; } = long.MaxValue;
    /// <summary>
    /// When set, only files whose record names this remote tier (or none: records written before
    /// records named one): a stub of another remote tier cannot be recalled by this mount.
    /// </summary>
    public string? Remote { get; init; }

    public static readonly IReadOnlySet<string> KnownStates = TierStateNames.All.ToHashSet();
}
