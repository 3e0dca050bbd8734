using System.Runtime.CompilerServices;
using System.Text;
using TierFs.Records;

namespace TierFs.Namespace;

/// <summary>
/// A generation of a pair's namespace loaded in memory: entries by id, each directory's names, a
/// lookup by path and a listing by directory (what the west mount answers lookup and readdir from,
/// and import walks). Built by applying a snapshot's records, then each delta's, in order.
/// Entries whose parents do not lead to the root (a crafted or damaged namespace) are held but
/// never reached by a path.
/// </summary>
/// <remarks>
/// Compact, for millions of entries: no object per entry. The fixed fields are one array of
/// <see cref="NsSlot"/> in id order (ids as a parallel array, found by binary search); names,
/// targets, xattrs and records are bytes in one arena (<see cref="EntryBytes"/>); each directory's
/// children are a range of one array of slots sorted by (parent, name), found by binary search.
/// <see cref="NsEntry"/> objects are made only when asked for (<see cref="Get"/>, <see cref="List"/>);
/// the west mount reads the slots (<see cref="Node"/>). The index (children, ranges) is brought up
/// to date on the first read after a change (<see cref="EnsureIndexed"/>): a delta's entries are
/// sorted and merged into it, never the whole tree sorted again. Two entries given one name in one
/// directory (only a crafted namespace): the one put last has the name, the other is held but never
/// reached, as when it was a dictionary.
/// </remarks>
public sealed partial class NamespaceTree
{
    private long[] _ids = [];
    private NsSlot[] _slots = [];
    /// <summary>Slots in use, dead ones (deleted entries) included.</summary>
    private int _count;
    /// <summary>Slots [0, _sorted) are in id order; the ones after are ids put out of order (only a crafted namespace), found through _tail.</summary>
    private int _sorted;
    private Dictionary<long, int>? _tail;
    private int _dead;
    private ByteArena _bytes = new();
    private StringTable _strings = new();
    /// <summary>Entries whose values do not fit a slot's narrow fields, whole, by id.</summary>
    private Dictionary<long, NsEntry>? _wide;

    private static readonly IReadOnlyList<NsXattr> NoXattrs = [];

    // Scratch of Put (a tree is changed by one thread, and read only once it is no longer changed).
    private readonly MemoryStream _run = new();
    private readonly MemoryStream _record = new();

    public NamespaceTree(string pair, long generation)
    {
        Pair = pair;
        Generation = generation;
    }

    /// <summary>A copy to apply later deltas to, this tree left as it is (a reader may be using it).</summary>
    public NamespaceTree Copy()
    {
        EnsureIndexed();
        // Room for a delta's new entries without doubling the arrays.
        var capacity = _count + Math.Max(_count / 32, 256);
        var ids = new long[capacity];
        var slots = new NsSlot[capacity];
        Array.Copy(_ids, ids, _count);
        Array.Copy(_slots, slots, _count);
        return new NamespaceTree(Pair, Generation)
        {
            RootId = RootId,
            _ids = ids,
            _slots = slots,
            _count = _count,
            _sorted = _sorted,
            _dead = _dead,
            _bytes = _bytes.Copy(),
            _strings = _strings.Copy(),
            _wide = _wide is null ? null : new Dictionary<long, NsEntry>(_wide),
            // Never changed in place (an index is made anew): shared until the copy's next index.
            _children = _children,
            _ranges = _ranges,
        };
    }

    public string Pair { get; }
    public long Generation { get; internal set; }
    public long RootId { get; private set; } = -1;
    public int Count => _count - _dead;

    public NsEntry? Root => Get(RootId);

    public NsEntry? Get(long id) => SlotOf(id) is var slot and >= 0 ? EntryAt(slot) : null;

    /// <summary>Inserts or replaces the entry of its id (a rename moves it between directories).</summary>
    // Called once an entry while a generation loads, from its first call on: optimized at once, not tiered up later.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Put(NsEntry entry)
    {
        var bits = EntryBytes.Write(entry, _strings, _run, _record);
        var bytes = _bytes.Append(_run.GetBuffer().AsSpan(0, (int)_run.Length));
        var slot = Find(entry.Id);
        if (slot < 0) slot = Add(entry.Id);
        else if (_slots[slot].Is(NsSlot.Alive))
        {
            if (RootId == entry.Id) RootId = -1;
        }
        else _dead--;
        ref var s = ref _slots[slot];
        s.ParentId = entry.ParentId;
        s.Ino = entry.Ino;
        s.Size = entry.Size;
        s.AtimeNs = entry.AtimeNs;
        s.MtimeNs = entry.MtimeNs;
        s.CtimeNs = entry.CtimeNs;
        s.Bytes = bytes;
        if (entry.Mode is >= 0 and <= uint.MaxValue && entry.Uid is >= 0 and <= uint.MaxValue && entry.Gid is >= 0 and <= uint.MaxValue &&
            entry.Nlink is >= 0 and <= uint.MaxValue && entry.Type <= byte.MaxValue && (int)entry.State is >= 0 and <= byte.MaxValue)
        {
            (s.Mode, s.Uid, s.Gid, s.Nlink) = ((uint)entry.Mode, (uint)entry.Uid, (uint)entry.Gid, (uint)entry.Nlink);
            (s.Type, s.State) = ((byte)entry.Type, (byte)entry.State);
            _wide?.Remove(entry.Id);
        }
        else
        {
            bits |= NsSlot.Wide;
            (_wide ??= [])[entry.Id] = entry;
        }
        if (entry.DataIsRemote) bits |= NsSlot.DataIsRemote;
        s.Bits = (byte)(bits | NsSlot.Alive);
        if (entry.ParentId == 0) RootId = entry.Id;
        _touched.Add(slot);
        _dirty = true;
    }

    public void Delete(long id)
    {
        var slot = Find(id);
        if (slot < 0 || !_slots[slot].Is(NsSlot.Alive)) return;
        _slots[slot].Bits = 0;
        _dead++;
        if (RootId == id) RootId = -1;
        _wide?.Remove(id);
        _dirty = true;
    }

    // The slot of `id`, alive or dead, or -1.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Find(long id)
    {
        if (_sorted > 0 && id <= _ids[_sorted - 1])
        {
            var at = Array.BinarySearch(_ids, 0, _sorted, id);
            if (at >= 0) return at;
        }
        return _tail is not null && _tail.TryGetValue(id, out var slot) ? slot : -1;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Add(long id)
    {
        if (_count == _ids.Length)
        {
            var capacity = Math.Max(64, _count * 2);
            Array.Resize(ref _ids, capacity);
            Array.Resize(ref _slots, capacity);
        }
        var slot = _count++;
        _ids[slot] = id;
        if (_tail is null && (slot == 0 || id > _ids[slot - 1])) _sorted = _count;
        else (_tail ??= [])[id] = slot;
        return slot;
    }

    /// <summary>The slot of the entry of <paramref name="id"/> (see <see cref="Node"/>), or -1.</summary>
    public int SlotOf(long id)
    {
        EnsureIndexed();
        var slot = Find(id);
        return slot >= 0 && _slots[slot].Is(NsSlot.Alive) ? slot : -1;
    }

    /// <summary>The same, trying <paramref name="hint"/> first (the slot the id had in the tree this one was copied from).</summary>
    public int SlotOf(long id, int hint) =>
        hint >= 0 && hint < _count && !_dirty && _ids[hint] == id ? (_slots[hint].Is(NsSlot.Alive) ? hint : -1) : SlotOf(id);

    /// <summary>Slots are numbered from 0 to this (dead ones included): what a set of slots is sized by.</summary>
    public int SlotCount
    {
        get
        {
            EnsureIndexed();
            return _count;
        }
    }

    /// <summary>The entry in <paramref name="slot"/>, read in place.</summary>
    public NsNode Node(int slot) => new(this, slot);

    /// <summary>The entry at <paramref name="path"/> ("" or "/" is the root), or null. Only directories are walked through.</summary>
    public NsEntry? Lookup(string path)
    {
        var slot = SlotOf(RootId);
        foreach (var name in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (slot < 0 || Node(slot).Type != NsEntry.TypeDir) return null;
            slot = ChildSlot(_ids[slot], Encoding.UTF8.GetBytes(name));
        }
        return slot < 0 ? null : EntryAt(slot);
    }

    public NsEntry? Child(long parentId, string name) =>
        ChildSlot(parentId, Encoding.UTF8.GetBytes(name)) is var slot and >= 0 ? EntryAt(slot) : null;

    /// <summary>A directory's entries, in name order (ordinal, of the names' UTF-8 bytes); none for anything else.</summary>
    public IReadOnlyList<NsEntry> List(long parentId)
    {
        var slots = ChildSlots(parentId).Span;
        var list = new NsEntry[slots.Length];
        for (var i = 0; i < slots.Length; i++) list[i] = EntryAt(slots[i]);
        return list;
    }

    /// <summary>A directory's entries, in no order promised (what a comparison of two generations needs).</summary>
    public IEnumerable<NsEntry> Children(long parentId) => List(parentId);

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
    public IEnumerable<NsEntry> All => AllNodes.Select(n => n.ToEntry());

    /// <summary>All entries held, reachable or not, read in place.</summary>
    public IEnumerable<NsNode> AllNodes
    {
        get
        {
            EnsureIndexed();
            for (var slot = 0; slot < _count; slot++)
                if (_slots[slot].Is(NsSlot.Alive))
                    yield return Node(slot);
        }
    }

    internal ref readonly NsSlot SlotAt(int slot) => ref _slots[slot];
    internal long IdAt(int slot) => _ids[slot];
    internal NsEntry WideAt(int slot) => _wide![_ids[slot]];
    internal ReadOnlySpan<byte> BytesAt(int slot) => _bytes.From(_slots[slot].Bytes);
    internal ReadOnlySpan<byte> NameAt(int slot) => EntryBytes.Name(_bytes.From(_slots[slot].Bytes));

    internal StubRecord? RecordAt(int slot)
    {
        ref readonly var s = ref _slots[slot];
        if (!s.Is(NsSlot.HasRecord)) return null;
        var (chunk, offset) = _bytes.Locate(s.Bytes);
        var at = EntryBytes.RecordOffset(chunk.AsSpan(offset), s.Bits, out var length);
        using var stream = new MemoryStream(chunk, offset + at, length, writable: false);
        return EntryBytes.DecodeRecord(stream, _strings, _ids[slot], s.Size, s.MtimeNs, s.AtimeNs, s.CtimeNs);
    }

    internal NsEntry EntryAt(int slot)
    {
        ref readonly var s = ref _slots[slot];
        if (s.Is(NsSlot.Wide)) return WideAt(slot);
        var bytes = _bytes.From(s.Bytes);
        return new NsEntry
        {
            Id = _ids[slot],
            ParentId = s.ParentId,
            Name = Encoding.UTF8.GetString(EntryBytes.Name(bytes)),
            Type = (char)s.Type,
            Mode = s.Mode,
            Uid = s.Uid,
            Gid = s.Gid,
            Size = s.Size,
            Nlink = s.Nlink,
            Ino = s.Ino,
            AtimeNs = s.AtimeNs,
            MtimeNs = s.MtimeNs,
            CtimeNs = s.CtimeNs,
            Target = s.Is(NsSlot.HasTarget) ? Encoding.UTF8.GetString(EntryBytes.Target(bytes, s.Bits)) : null,
            Xattrs = s.Is(NsSlot.HasXattrs) ? EntryBytes.DecodeXattrs(bytes, s.Bits) : NoXattrs,
            State = (TierState)s.State,
            Record = RecordAt(slot),
        };
    }
}
