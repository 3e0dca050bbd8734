using TierFs.Index.Storage;

namespace TierFs.Index.Writing;

internal sealed class PutEntry(EntryRow row) : IndexWrite
{
    public override void Apply(WriteStatements s)
    {
        EntryColumns.Bind(s.PutEntry, row);
        s.PutEntry.Execute();
    }

    public override string ToString() => $"entry {row.Id} {row.ParentId}/{row.Name}";
}

/// <summary>Deletes an entry and everything below it (a directory removed from the tree).</summary>
internal sealed class DeleteEntryTree(long id) : IndexWrite
{
    public override void Apply(WriteStatements s) => Run(s.DeleteEntryTree, id);
    public override string ToString() => $"delete entry tree {id}";
}

internal sealed class RecordScan(ScanSummary scan) : IndexWrite
{
    public override void Apply(WriteStatements s) =>
        Run(s.RecordScan, scan.Generation, scan.StartedAtMs, scan.FinishedAtMs, scan.Entries, scan.New, scan.Changed,
            scan.Deleted, scan.Renamed, scan.Errors);

    public override string ToString() => $"scan {scan.Generation}";
}
