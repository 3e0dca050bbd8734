using TierFs.Index.Writing;
using TierFs.Records;

namespace TierFs.Index;

/// <summary>The namespace: one row per node of the backing tree (<see cref="EntryRow"/>), kept by the scanner.</summary>
public sealed partial class TierIndex
{
    /// <summary>The reader returns at most this many rows of a <see cref="Query"/>.</summary>
    public const int DefaultQueryRows = 1_000_000;

    private long _lastEntryId;

    /// <summary>
    /// A fresh entry id, never handed out before by this index. Ids are given before the row is
    /// committed, so a new directory's children can name their parent at once.
    /// </summary>
    public long NewEntryId()
    {
        // The root has its fixed id, so the first id handed out is above it.
        var floor = EntryRow.RootId;
        var last = Interlocked.Read(ref _lastEntryId);
        if (last < floor) Interlocked.CompareExchange(ref _lastEntryId, floor, last);
        return Interlocked.Increment(ref _lastEntryId);
    }

    public EntryRow? GetEntry(long id) => _readers.Use(s => s.Entries.Get(id));

    /// <summary>A directory's entries as committed (one query).</summary>
    public IReadOnlyList<EntryRow> Children(long parentId) => _readers.Use(s => s.Entries.Children(parentId));

    /// <summary>A directory's entries as committed, what a rescan compares of each (one query, no row objects).</summary>
    public void ChildStamps(long parentId, ChildStampVisitor visit)
    {
        ArgumentNullException.ThrowIfNull(visit);
        _readers.Use(s =>
        {
            s.Entries.ChildStamps(parentId, visit);
            return 0;
        });
    }

    /// <summary>Every name of an inode (one, or several for hard links).</summary>
    public IReadOnlyList<EntryRow> EntriesOf(FileKey key) => _readers.Use(s => s.Entries.ByKey(key));

    /// <summary>The entry and everything below it.</summary>
    public long CountTree(long id) => _readers.Use(s => s.Entries.CountTree(id));

    public EntryStats EntryStats() => _readers.Use(s => s.Entries.Stats());

    /// <summary>Inserts the row, or replaces the whole row of its id (changed or moved).</summary>
    public void PutEntry(EntryRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (row.Type is not (EntryRow.TypeFile or EntryRow.TypeDir or EntryRow.TypeSymlink or EntryRow.TypeOther))
            throw new ArgumentException($"unknown entry type '{row.Type}' for {row.Name}", nameof(row));
        _writer.Enqueue(new PutEntry(row));
    }

    /// <summary>Deletes the entry and, for a directory, everything below it. The inodes' tier rows stay (they name remote objects).</summary>
    public void DeleteEntryTree(long id) => _writer.Enqueue(new DeleteEntryTree(id));

    public void RecordScan(ScanSummary scan)
    {
        ArgumentNullException.ThrowIfNull(scan);
        _writer.Enqueue(new RecordScan(scan));
    }

    /// <summary>
    /// Runs <paramref name="sql"/> on a reader connection, with the path() function and the files
    /// view available. Anything but one read-only statement is refused (<see cref="QueryRefusedException"/>).
    /// </summary>
    public QueryResult Query(string sql, int maxRows = DefaultQueryRows)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        return _readers.Use(s => s.Entries.Query(sql, maxRows));
    }
}
