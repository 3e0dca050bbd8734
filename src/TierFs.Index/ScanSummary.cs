namespace TierFs.Index;

/// <summary>One scan of the tree as the <c>scans</c> table keeps it: its generation, times (unix ms) and counts.</summary>
public sealed record ScanSummary
{
    public required long Generation { get; init; }
    public long StartedAtMs { get; init; }
    public long FinishedAtMs { get; init; }
    public long Entries { get; init; }
    public long New { get; init; }
    public long Changed { get; init; }
    public long Deleted { get; init; }
    public long Renamed { get; init; }
    public long Errors { get; init; }
}
