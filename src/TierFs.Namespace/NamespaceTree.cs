namespace TierFs.Namespace;

/// <summary>
/// A generation of a pair's namespace loaded in memory: entries by id, each directory's names, a
/// lookup by path and a listing by directory (what the west mount answers lookup and readdir from,
/// and import walks). Built by applying a snapshot's records, then each delta's, in order.
/// Entries whose parents do not lead to the root (a crafted or damaged namespace) are held but
/// never reached by a path.
/// </summary>
public sealed class NamespaceTree
{
    private readonly Dictionary<long, NsEntry> _byId = [];
    private readonly Dictionary<long, Dictionary<string, long>> _children = [];

    public NamespaceTree(string pair, long generation)
    {
        Pair = pair;
        Generation = generation;
    }

    /// <summary>A copy to apply later deltas to, this tree left as it is (a reader may be using it).</summary>
    public NamespaceTree Copy()
    {
        var copy = new NamespaceTree(Pair, Generation) { RootId = RootId };
        foreach (var (id, e) in _byId) copy._byId[id] = e; // entries are immutable records: shared
        foreach (var (parent, names) in _children) copy._children[parent] = new Dictionary<string, long>(names, StringComparer.Ordinal);
        return copy;
    }

    public string Pair { get; }
    public long Generation { get; internal set; }
    public long RootId { get; private set; } = -1;
    public int Count => _byId.Count;

    public NsEntry? Root => _byId.GetValueOrDefault(RootId);

    public NsEntry? Get(long id) => _byId.GetValueOrDefault(id);

    /// <summary>Inserts or replaces the entry of its id (a rename moves it between directories).</summary>
    public void Put(NsEntry entry)
    {
        if (_byId.TryGetValue(entry.Id, out var old)) Unlink(old);
        _byId[entry.Id] = entry;
        if (entry.ParentId == 0) RootId = entry.Id;
        else
        {
            if (!_children.TryGetValue(entry.ParentId, out var names)) _children[entry.ParentId] = names = new Dictionary<string, long>(StringComparer.Ordinal);
            names[entry.Name] = entry.Id;
        }
    }

    public void Delete(long id)
    {
        if (_byId.Remove(id, out var old)) Unlink(old);
    }

    private void Unlink(NsEntry e)
    {
        if (e.ParentId == 0)
        {
            if (RootId == e.Id) RootId = -1;
            return;
        }
        // Only when the name is still this entry's (a crafted namespace may give two entries one name).
        if (_children.TryGetValue(e.ParentId, out var names) && names.TryGetValue(e.Name, out var at) && at == e.Id)
        {
            names.Remove(e.Name);
            if (names.Count == 0) _children.Remove(e.ParentId);
        }
    }

    /// <summary>The entry at <paramref name="path"/> ("" or "/" is the root), or null. Only directories are walked through.</summary>
    public NsEntry? Lookup(string path)
    {
        var current = Root;
        foreach (var name in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (current is null || current.Type != NsEntry.TypeDir) return null;
            current = Child(current.Id, name);
        }
        return current;
    }

    public NsEntry? Child(long parentId, string name) =>
        _children.TryGetValue(parentId, out var names) && names.TryGetValue(name, out var id) ? _byId.GetValueOrDefault(id) : null;

    /// <summary>A directory's entries, in name order (ordinal); none for anything else.</summary>
    public IReadOnlyList<NsEntry> List(long parentId) =>
        _children.TryGetValue(parentId, out var names)
            ? [.. names.OrderBy(n => n.Key, StringComparer.Ordinal).Select(n => _byId[n.Value])]
            : [];

    /// <summary>A directory's entries, in no order (what a comparison of two generations needs).</summary>
    public IEnumerable<NsEntry> Children(long parentId) =>
        _children.TryGetValue(parentId, out var names) ? names.Values.Select(id => _byId[id]) : [];

    /// <summary>Every entry reachable from the root, parents before children, with its path ("" for the root).</summary>
    public IEnumerable<(string Path, NsEntry Entry)> Walk()
    {
        if (Root is not { } root) yield break;
        var stack = new Stack<(string, NsEntry)>();
        stack.Push(("", root));
        while (stack.Count > 0)
        {
            var (path, e) = stack.Pop();
            yield return (path, e);
            if (e.Type != NsEntry.TypeDir) continue;
            var children = List(e.Id);
            for (var i = children.Count - 1; i >= 0; i--)
                stack.Push((path.Length == 0 ? children[i].Name : path + "/" + children[i].Name, children[i]));
        }
    }

    /// <summary>All entries held, reachable or not.</summary>
    public IEnumerable<NsEntry> All => _byId.Values;
}
