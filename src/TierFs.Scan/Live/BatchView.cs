using TierFs.Index;
using TierFs.Index.Reading;
using TierFs.Records;

namespace TierFs.Scan.Live;

/// <summary>
/// The namespace as one batch of live changes sees it: the committed rows, overlaid by the rows
/// this batch has written and not yet committed. Writes go to the index's batching writer.
/// </summary>
internal sealed class BatchView(TierIndex index, EntryLookup lookup)
{
    private readonly Dictionary<long, EntryRow> _written = [];
    /// <summary>Places this batch filled (the row's id) or emptied (0).</summary>
    private readonly Dictionary<(long Parent, string Name), long> _places = [];
    /// <summary>Rows this batch created, by inode: the committed rows cannot know them.</summary>
    private readonly Dictionary<FileKey, List<long>> _created = [];

    public int Writes { get; private set; }

    public EntryRow? Row(long id) => _written.TryGetValue(id, out var row) ? row : lookup.Get(id);

    /// <summary>The row named <paramref name="name"/> in the directory <paramref name="parentId"/> now.</summary>
    public EntryRow? At(long parentId, string name)
    {
        if (_places.TryGetValue((parentId, name), out var id)) return id == 0 ? null : Row(id);
        var row = lookup.At(parentId, name);
        // Committed here, but moved away by this batch (its old place was emptied above, so only
        // a row this batch moved back would differ).
        return row is not null && _written.TryGetValue(row.Id, out var now) ? (Placed(now, parentId, name) ? now : null) : row;
    }

    /// <summary>The rows in the directory <paramref name="parentId"/> now.</summary>
    public List<EntryRow> ChildrenOf(long parentId)
    {
        var rows = lookup.Children(parentId);
        for (var i = 0; i < rows.Count; i++)
            if (_written.TryGetValue(rows[i].Id, out var now)) rows[i] = now;
        rows.RemoveAll(r => r.ParentId != parentId);
        var ids = rows.Select(r => r.Id).ToHashSet();
        rows.AddRange(_written.Values.Where(r => r.ParentId == parentId && !ids.Contains(r.Id)));
        return rows;
    }

    /// <summary>Every row of the inode (parked rows included).</summary>
    public List<EntryRow> RowsOf(FileKey key)
    {
        var rows = lookup.Of(key);
        for (var i = 0; i < rows.Count; i++)
            if (_written.TryGetValue(rows[i].Id, out var now)) rows[i] = now;
        if (_created.TryGetValue(key, out var ids)) rows.AddRange(ids.Select(id => _written[id]));
        return rows;
    }

    /// <summary>Writes a new row, or a changed or moved one (<paramref name="old"/> is what it was).</summary>
    public void Put(EntryRow row, EntryRow? old)
    {
        if (old is null && !_written.ContainsKey(row.Id)) (_created.TryGetValue(row.Key, out var ids) ? ids : _created[row.Key] = []).Add(row.Id);
        if (old is not null && !Placed(row, old.ParentId, old.Name)) _places[(old.ParentId, old.Name)] = 0;
        _places[(row.ParentId, row.Name)] = row.Id;
        _written[row.Id] = row;
        index.PutEntry(row);
        Writes++;
    }

    public void DeleteTree(long id)
    {
        index.DeleteEntryTree(id);
        Writes++;
    }

    /// <summary>The row's path from the root as this batch sees it ("." for the root); null if it is not in the tree.</summary>
    public string? PathOf(long id)
    {
        var parts = new List<string>();
        for (var depth = 0; depth < 4096; depth++)
        {
            if (id == EntryRow.RootId) return parts.Count == 0 ? "." : string.Join('/', Enumerable.Reverse(parts));
            var row = Row(id);
            if (row is null || row.ParentId <= 0) return null;
            parts.Add(row.Name);
            id = row.ParentId;
        }
        return null;
    }

    private static bool Placed(EntryRow row, long parentId, string name) => row.ParentId == parentId && row.Name == name;
}
