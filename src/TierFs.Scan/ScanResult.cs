namespace TierFs.Scan;

/// <summary>What a finished scan found and did.</summary>
public sealed record ScanResult(long Generation, ScanProgress Counts, bool Cancelled)
{
    public double Seconds => Counts.Elapsed.TotalSeconds;

    /// <summary>The summary line: "N entries: a new, b changed, c deleted, d renamed in s s".</summary>
    public override string ToString() =>
        $"{Counts.Entries} entries: {Counts.New} new, {Counts.Changed} changed, {Counts.Deleted} deleted, {Counts.Renamed} renamed " +
        $"in {Seconds:F1} s{(Counts.Errors > 0 ? $", {Counts.Errors} errors" : "")}{(Cancelled ? " (cancelled)" : "")}";
}
