using System.Runtime.CompilerServices;
namespace TierFs.Namespace;

// The index: every entry but the root in one array of slots sorted by (parent id, name), each
// directory's children one range of it. Kept up to date by merging what was put since.
public sealed partial class NamespaceTree
{
    private int[] _children = [];
    private Dictionary<long, (int Start, int Count)> _ranges = [];
    /// <summary>Slots put since the last index, in the order of the puts (a slot put twice is here twice).</summary>
    private List<int> _touched = [];
    private volatile bool _dirty;
    private readonly Lock _indexing = new();

    /// <summary>
    /// Brings the index up to date with what was put and deleted (done by the first read after a
    /// change; the reader calls it once a generation is loaded, before the tree is shared between threads).
    /// </summary>
    public void EnsureIndexed()
    {
        if (!_dirty) return;
        lock (_indexing)
        {
            if (!_dirty) return;
            // Ids out of order, or many dead slots: the slots are put in id order again, without the dead.
            if (_tail is not null || (_dead > 0 && _dead >= _count / 4)) Compact();
            Merge();
            Trim();
            _dirty = false;
        }
    }

    /// <summary>A directory's children (their slots), in name order.</summary>
    public ReadOnlyMemory<int> ChildSlots(long parentId)
    {
        EnsureIndexed();
        return _ranges.TryGetValue(parentId, out var r) ? new ReadOnlyMemory<int>(_children, r.Start, r.Count) : ReadOnlyMemory<int>.Empty;
    }

    /// <summary>The slot of the child of <paramref name="parentId"/> named <paramref name="name"/> (UTF-8), or -1: a binary search of the directory's range.</summary>
    public int ChildSlot(long parentId, ReadOnlySpan<byte> name)
    {
        EnsureIndexed();
        if (!_ranges.TryGetValue(parentId, out var r)) return -1;
        int lo = r.Start, hi = r.Start + r.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var c = NameAt(_children[mid]).SequenceCompareTo(name);
            if (c == 0) return _children[mid];
            if (c < 0) lo = mid + 1;
            else hi = mid - 1;
        }
        return -1;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Compact()
    {
        var alive = _count - _dead;
        var order = new int[alive];
        var keys = new long[alive];
        var n = 0;
        for (var slot = 0; slot < _count; slot++)
        {
            if (!_slots[slot].Is(NsSlot.Alive)) continue;
            order[n] = slot;
            keys[n++] = _ids[slot];
        }
        if (_tail is not null) Array.Sort(keys, order);
        var map = new int[_count];
        Array.Fill(map, -1);
        var ids = new long[alive];
        var slots = new NsSlot[alive];
        for (var i = 0; i < alive; i++)
        {
            map[order[i]] = i;
            ids[i] = keys[i];
            slots[i] = _slots[order[i]];
        }
        var children = new List<int>(_children.Length);
        foreach (var c in _children)
            if (map[c] >= 0) children.Add(map[c]);
        _children = [.. children];
        for (var i = 0; i < _touched.Count; i++) _touched[i] = map[_touched[i]];
        (_ids, _slots, _count, _sorted, _dead, _tail) = (ids, slots, alive, alive, 0, null);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Merge()
    {
        var added = Added();
        var merged = new int[_children.Length + added.Length];
        int a = 0, b = 0, m = 0;
        while (true)
        {
            // What the index held and was neither deleted nor put again keeps its place.
            while (a < _children.Length && (!_slots[_children[a]].Is(NsSlot.Alive) || _slots[_children[a]].Is(NsSlot.Touched))) a++;
            if (a == _children.Length)
            {
                while (b < added.Length) merged[m++] = added[b++];
                break;
            }
            if (b == added.Length)
            {
                merged[m++] = _children[a++];
                continue;
            }
            var c = Compare(_children[a], added[b]);
            if (c < 0) merged[m++] = _children[a++];
            else if (c > 0) merged[m++] = added[b++];
            else a++; // the name was given to another entry since: the later put has it
        }
        foreach (var slot in _touched)
            if (slot >= 0) _slots[slot].Bits &= unchecked((byte)~NsSlot.Touched);
        _touched = [];
        if (m < merged.Length) Array.Resize(ref merged, m);
        _children = merged;
        var ranges = new Dictionary<long, (int, int)>();
        for (var i = 0; i < m;)
        {
            var parent = _slots[merged[i]].ParentId;
            var j = i + 1;
            while (j < m && _slots[merged[j]].ParentId == parent) j++;
            ranges[parent] = (i, j - i);
            i = j;
        }
        _ranges = ranges;
    }

    // The children put since the last index (each marked Touched), sorted by (parent, name); of
    // several given one name in one directory, the one put last.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int[] Added()
    {
        var fresh = new List<int>(_touched.Count);
        for (var i = _touched.Count - 1; i >= 0; i--)
        {
            var slot = _touched[i];
            if (slot < 0 || !_slots[slot].Is(NsSlot.Alive) || _slots[slot].Is(NsSlot.Touched)) continue;
            _slots[slot].Bits |= NsSlot.Touched;
            if (_slots[slot].ParentId != 0) fresh.Add(slot);
        }
        fresh.Reverse(); // the order of the (last) puts
        var slots = fresh.ToArray();
        var keys = new long[slots.Length];
        var order = new int[slots.Length];
        for (var i = 0; i < slots.Length; i++) (keys[i], order[i]) = (_slots[slots[i]].ParentId, i);
        Array.Sort(keys, order);
        var byName = new ByNameThenPut(this, slots);
        for (var start = 0; start < order.Length;)
        {
            var end = start + 1;
            while (end < order.Length && keys[end] == keys[start]) end++;
            if (end - start > 1) Array.Sort(order, start, end - start, byName);
            start = end;
        }
        var added = new List<int>(order.Length);
        for (var i = 0; i < order.Length; i++)
        {
            if (i + 1 < order.Length && keys[i + 1] == keys[i] && NameAt(slots[order[i + 1]]).SequenceEqual(NameAt(slots[order[i]]))) continue;
            added.Add(slots[order[i]]);
        }
        return [.. added];
    }

    private int Compare(int x, int y)
    {
        var c = _slots[x].ParentId.CompareTo(_slots[y].ParentId);
        return c != 0 ? c : NameAt(x).SequenceCompareTo(NameAt(y));
    }

    // Arrays grown by doubling while a generation loads are cut back to what they hold.
    private void Trim()
    {
        if (_ids.Length - _count <= _count / 8 + 64) return;
        Array.Resize(ref _ids, _count);
        Array.Resize(ref _slots, _count);
    }

    private sealed class ByNameThenPut(NamespaceTree tree, int[] slots) : IComparer<int>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public int Compare(int x, int y)
        {
            var c = tree.NameAt(slots[x]).SequenceCompareTo(tree.NameAt(slots[y]));
            return c != 0 ? c : x.CompareTo(y);
        }
    }
}
