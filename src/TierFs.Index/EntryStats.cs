namespace TierFs.Index;

/// <summary>What a scan needs to know before it starts: the highest entry id, the row counts, the last scan's generation.</summary>
public readonly record struct EntryStats(long MaxId, long Entries, long LastScan, long TierRows);
