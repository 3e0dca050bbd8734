using TierFs.Records;

namespace TierFs.Index;

/// <summary>
/// One row of the <c>tier</c> table: the index's copy of a file's record, field for field (the
/// xattr keeps the truth, see <see cref="StubRecord"/>; the columns are <see cref="Storage.TierColumns"/>),
/// what the index adds to it (the last path the file was seen at, when it was last recalled), keyed
/// by the inode. Times are unix ms, 0 = never; file times are ns.
/// </summary>
public sealed record TierRow
{
    public required FileKey Key { get; init; }
    public required StubRecord Record { get; init; }
    /// <summary>Last known path relative to the mount root: a hint for reports, never an identity.</summary>
    public string? Path { get; init; }
    public long RecalledAtMs { get; init; }
}
