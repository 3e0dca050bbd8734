using TierFs.Records;

namespace TierFs.Index;

/// <summary>
/// One entry of the namespace as a metadata sync publishes it: the entry's row, its inode's tier
/// row when it has one (regular files only), and its state by the one rule (<see cref="StubRecord.StateFor"/>).
/// </summary>
public sealed record SyncRow(EntryRow Entry, TierRow? Tier)
{
    /// <summary>Relative to the tree's root ("" for the root), when the cut was asked for paths.</summary>
    public string? Path { get; init; }

    public TierState State => Tier is null ? TierState.Resident : Tier.Record.StateFor(Entry.Size, Entry.MtimeNs);
}

/// <summary>
/// What this index last published of a pair's namespace: the generation, the change cursor it
/// included (every noted change up to it), the generation of its snapshot, how many deltas follow
/// that snapshot, and the object key of the generation (the pointer must still name it for the
/// next sync to be a delta on top of it).
/// </summary>
public sealed record SyncState(string Pair, long Generation, long Cursor, long Snapshot, int Chain, string? LastKey, long PublishedAtMs);
