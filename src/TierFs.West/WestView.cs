using System.Text;
using TierFs.Fuse;
using TierFs.Namespace;
using TierFs.Posix;

namespace TierFs.West;

/// <summary>
/// One generation of the namespace as the kernel sees it: every entry reachable from the root with
/// its node (<see cref="InodeNumbers"/>: stable across generations, one per hard-linked file), what
/// lookup, getattr, readdir and readlink answer from. Never changed once built: a new generation is a
/// new view, swapped in whole (<see cref="WestFileSystem.Switch"/>).
/// </summary>
/// <remarks>
/// Holds a bit per entry besides the tree (which entries are shown) and a table of the few nodes
/// that are not an entry's id (the root, hard-linked files, odd ids): a node is found from its
/// number by the tree's binary search of ids, a child by the binary search of its directory.
/// The members that take or give an <see cref="NsEntry"/> make one; the mount uses slots.
/// </remarks>
public sealed class WestView
{
    private readonly ulong[] _shown;
    private readonly int _rootSlot;
    /// <summary>The node of each shown entry whose node is not its id's (hard-linked files, odd ids).</summary>
    private readonly Dictionary<int, ulong> _nodeOfSlot;
    /// <summary>Those nodes' entries: of a file's several names, the first one reached speaks for it.</summary>
    private readonly Dictionary<ulong, int> _slotOfNode;

    private WestView(NamespaceTree tree, ulong[] shown, int rootSlot, Dictionary<int, ulong> nodeOfSlot, Dictionary<ulong, int> slotOfNode, int nodes,
        IReadOnlyList<NsEntry> refused)
    {
        Tree = tree;
        _shown = shown;
        _rootSlot = rootSlot;
        _nodeOfSlot = nodeOfSlot;
        _slotOfNode = slotOfNode;
        Nodes = nodes;
        Refused = refused;
    }

    /// <summary>Entries left out because their name cannot be a name here (a crafted or damaged namespace), with all below them.</summary>
    public IReadOnlyList<NsEntry> Refused { get; }

    /// <summary>What a directory entry may be called: not empty, not "." or "..", no '/' or NUL.</summary>
    public static bool IsName(string name) => name.Length is > 0 and <= 255 && name is not "." and not ".." && name.IndexOfAny(['/', '\0']) < 0;

    /// <summary>The same of a name's UTF-8 bytes (at most 255 characters, as <see cref="IsName(string)"/> counts them).</summary>
    public static bool IsName(ReadOnlySpan<byte> name) =>
        name.Length > 0 && (name.Length <= 255 || Encoding.UTF8.GetCharCount(name) <= 255) &&
        !name.SequenceEqual("."u8) && !name.SequenceEqual(".."u8) && name.IndexOfAny((byte)'/', (byte)0) < 0;

    public NamespaceTree Tree { get; }
    public long Generation => Tree.Generation;
    public int Nodes { get; }

    /// <summary>Numbers every entry reachable from the root (parents first). Entries that are not reachable are left out.</summary>
    public static WestView Build(NamespaceTree tree, InodeNumbers numbers)
    {
        tree.EnsureIndexed();
        var shown = new ulong[(tree.SlotCount + 63) / 64];
        var nodeOfSlot = new Dictionary<int, ulong>();
        var slotOfNode = new Dictionary<ulong, int>();
        var refused = new List<NsEntry>();
        var nodes = 0;
        var rootSlot = tree.SlotOf(tree.RootId);
        if (rootSlot >= 0 && tree.Node(rootSlot).Type == NsEntry.TypeDir)
        {
            var stack = new Stack<int>();
            stack.Push(rootSlot);
            while (stack.Count > 0)
            {
                var slot = stack.Pop();
                if (IsSet(shown, slot)) continue; // a crafted namespace's loop
                shown[slot >> 6] |= 1UL << slot;
                var e = tree.Node(slot);
                var node = numbers.For(e.Id, e.Type, e.Nlink, e.Ino, slot == rootSlot);
                if (slot == rootSlot || node != InodeNumbers.OfId(e.Id))
                {
                    nodeOfSlot[slot] = node;
                    if (slotOfNode.TryAdd(node, slot)) nodes++; // hard links: the first one reached speaks for the file
                }
                else nodes++;
                if (e.Type != NsEntry.TypeDir) continue;
                foreach (var child in tree.ChildSlots(e.Id).Span)
                {
                    if (IsName(tree.Node(child).Name)) stack.Push(child);
                    else refused.Add(tree.Node(child).ToEntry());
                }
            }
        }
        return new WestView(tree, shown, rootSlot, nodeOfSlot, slotOfNode, nodes, refused);
    }

    private static bool IsSet(ulong[] bits, int slot) => (bits[slot >> 6] & (1UL << slot)) != 0;

    /// <summary>Whether the entry in <paramref name="slot"/> is shown (reached from the root by names that can be names).</summary>
    public bool IsShown(int slot) => slot >= 0 && slot >> 6 < _shown.Length && IsSet(_shown, slot);

    /// <summary>The slot of the entry that is node <paramref name="node"/>, or -1.</summary>
    public int SlotOf(ulong node, int hint = -1)
    {
        if (InodeNumbers.IdOf(node) is { } id)
        {
            var slot = Tree.SlotOf(id, hint);
            return IsShown(slot) && !_nodeOfSlot.ContainsKey(slot) ? slot : -1;
        }
        return _slotOfNode.TryGetValue(node, out var other) ? other : -1;
    }

    /// <summary>The node of the shown entry in <paramref name="slot"/>.</summary>
    public ulong NodeOfSlot(int slot) =>
        _nodeOfSlot.TryGetValue(slot, out var node) ? node : InodeNumbers.OfId(Tree.Node(slot).Id) ?? throw new KeyNotFoundException($"slot {slot} has no node");

    public NsNode Node(int slot) => Tree.Node(slot);

    /// <summary>The slot of the shown entry named <paramref name="name"/> in the directory in <paramref name="dirSlot"/>, or -1.</summary>
    public int ChildOf(int dirSlot, ReadOnlySpan<byte> name)
    {
        var dir = Tree.Node(dirSlot);
        if (dir.Type != NsEntry.TypeDir) return -1;
        var slot = Tree.ChildSlot(dir.Id, name);
        return IsShown(slot) ? slot : -1;
    }

    /// <summary>The shown entries of the directory in <paramref name="dirSlot"/>, in name order.</summary>
    public ReadOnlyMemory<int> ListSlots(int dirSlot)
    {
        var dir = Tree.Node(dirSlot);
        if (dir.Type != NsEntry.TypeDir) return ReadOnlyMemory<int>.Empty;
        var all = Tree.ChildSlots(dir.Id);
        foreach (var slot in all.Span)
            if (!IsShown(slot))
                return all.ToArray().Where(IsShown).ToArray(); // a name left out: the others only
        return all;
    }

    /// <summary>Every shown entry's slot, in slot order.</summary>
    public IEnumerable<int> ShownSlots()
    {
        for (var word = 0; word < _shown.Length; word++)
            for (var bits = _shown[word]; bits != 0; bits &= bits - 1)
                yield return word * 64 + System.Numerics.BitOperations.TrailingZeroCount(bits);
    }

    // ---- the same in NsEntry objects (tests, log lines) ----

    public NsEntry? Entry(ulong node) => SlotOf(node) is var slot and >= 0 ? Tree.Node(slot).ToEntry() : null;

    public ulong NodeOf(NsEntry entry) => Tree.SlotOf(entry.Id) is var slot and >= 0 && IsShown(slot) ? NodeOfSlot(slot) : throw new KeyNotFoundException($"entry {entry.Id} is not shown");

    /// <summary>The entry named <paramref name="name"/> in the directory <paramref name="parent"/>, or null.</summary>
    public NsEntry? Child(ulong parent, string name) =>
        SlotOf(parent) is var dir and >= 0 && ChildOf(dir, Encoding.UTF8.GetBytes(name)) is var slot and >= 0 ? Tree.Node(slot).ToEntry() : null;

    /// <summary>A directory's entries in name order.</summary>
    public IReadOnlyList<NsEntry> List(ulong dir) =>
        SlotOf(dir) is var slot and >= 0 ? [.. ListSlots(slot).ToArray().Select(s => Tree.Node(s).ToEntry())] : [];

    /// <summary>The path of an entry from the root ("/" for the root), for log lines.</summary>
    public string PathOf(NsEntry entry) => entry.ParentId == 0 ? "/" : PathFrom(Encoding.UTF8.GetBytes(entry.Name), entry.ParentId);

    public string PathOf(int slot)
    {
        var e = Tree.Node(slot);
        return e.ParentId == 0 ? "/" : PathFrom(e.Name.ToArray(), e.ParentId);
    }

    private string PathFrom(byte[] name, long parentId)
    {
        var names = new List<byte[]> { name };
        for (var slot = Tree.SlotOf(parentId); slot >= 0 && Tree.Node(slot).ParentId != 0 && names.Count < 4096; slot = Tree.SlotOf(Tree.Node(slot).ParentId))
            names.Add(Tree.Node(slot).Name.ToArray());
        names.Reverse();
        return "/" + string.Join('/', names.Select(n => Encoding.UTF8.GetString(n)));
    }

    // ---- what stat shows ----

    /// <summary>What stat shows of <paramref name="e"/> as node <paramref name="node"/>.</summary>
    public static void Fill(NsEntry e, ulong node, ref FuseAttr a) =>
        Fill(e.Type, e.Mode, e.Uid, e.Gid, e.Nlink, e.Type == NsEntry.TypeSymlink && e.Target is { } t ? Encoding.UTF8.GetByteCount(t) : Math.Max(0, e.Size),
            e.AtimeNs, e.MtimeNs, e.CtimeNs, node, ref a);

    /// <summary>The same of an entry read in place.</summary>
    public static void Fill(in NsNode e, ulong node, ref FuseAttr a) =>
        Fill(e.Type, e.Mode, e.Uid, e.Gid, e.Nlink, e.Type == NsEntry.TypeSymlink && e.HasTarget ? e.Target.Length : Math.Max(0, e.Size),
            e.AtimeNs, e.MtimeNs, e.CtimeNs, node, ref a);

    private static void Fill(char type, long mode, long uid, long gid, long nlink, long size, long atimeNs, long mtimeNs, long ctimeNs, ulong node, ref FuseAttr a)
    {
        a.Ino = node;
        a.Size = (ulong)size;
        a.Blocks = (ulong)((size + 511) / 512);
        a.Rdev = 0;
        (a.AtimeSec, a.AtimeNsec) = Timespec.FromNs(atimeNs);
        (a.MtimeSec, a.MtimeNsec) = Timespec.FromNs(mtimeNs);
        (a.CtimeSec, a.CtimeNsec) = Timespec.FromNs(ctimeNs);
        a.Mode = ModeOf(type, mode);
        a.Nlink = (uint)Math.Clamp(nlink, 1, uint.MaxValue);
        a.Uid = (uint)uid;
        a.Gid = (uint)gid;
        a.BlkSize = 4096;
    }

    /// <summary>The mode with the type bits the entry's type says (a crafted mode cannot make a file a directory).</summary>
    public static uint ModeOf(NsEntry e) => ModeOf(e.Type, e.Mode);

    private static uint ModeOf(char type, long mode)
    {
        var perm = (uint)mode & 0xFFF;
        return type switch
        {
            NsEntry.TypeDir => Libc.S_IFDIR | perm,
            NsEntry.TypeSymlink => Libc.S_IFLNK | perm,
            NsEntry.TypeFile => Libc.S_IFREG | perm,
            _ => ((uint)mode & Libc.S_IFMT) is var t && t != 0 && t != Libc.S_IFDIR && t != Libc.S_IFLNK ? t | perm : Libc.S_IFREG | perm,
        };
    }
}
