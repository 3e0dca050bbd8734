using System.Collections.Concurrent;
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
public sealed class WestView
{
    private readonly Dictionary<ulong, NsEntry> _byNode;
    private readonly Dictionary<long, ulong> _nodeOfId;
    private readonly ConcurrentDictionary<long, NsEntry[]> _listings = new();

    private WestView(NamespaceTree tree, Dictionary<ulong, NsEntry> byNode, Dictionary<long, ulong> nodeOfId, IReadOnlyList<NsEntry> refused)
    {
        Tree = tree;
        _byNode = byNode;
        _nodeOfId = nodeOfId;
        Refused = refused;
    }

    /// <summary>Entries left out because their name cannot be a name here (a crafted or damaged namespace), with all below them.</summary>
    public IReadOnlyList<NsEntry> Refused { get; }

    /// <summary>What a directory entry may be called: not empty, not "." or "..", no '/' or NUL.</summary>
    public static bool IsName(string name) => name.Length is > 0 and <= 255 && name is not "." and not ".." && name.IndexOfAny(['/', '\0']) < 0;

    public NamespaceTree Tree { get; }
    public long Generation => Tree.Generation;
    public int Nodes => _byNode.Count;

    /// <summary>Numbers every entry reachable from the root (parents first). Entries that are not reachable are left out.</summary>
    public static WestView Build(NamespaceTree tree, InodeNumbers numbers)
    {
        var byNode = new Dictionary<ulong, NsEntry>();
        var nodeOfId = new Dictionary<long, ulong>();
        var refused = new List<NsEntry>();
        if (tree.Root is { Type: NsEntry.TypeDir } root)
        {
            var stack = new Stack<NsEntry>();
            stack.Push(root);
            while (stack.Count > 0)
            {
                var e = stack.Pop();
                if (nodeOfId.ContainsKey(e.Id)) continue; // a crafted namespace's loop
                var node = numbers.For(e, ReferenceEquals(e, root));
                nodeOfId[e.Id] = node;
                byNode.TryAdd(node, e); // hard links: the first one reached speaks for the file
                if (e.Type != NsEntry.TypeDir) continue;
                foreach (var child in tree.Children(e.Id))
                {
                    if (IsName(child.Name)) stack.Push(child);
                    else refused.Add(child);
                }
            }
        }
        return new WestView(tree, byNode, nodeOfId, refused);
    }

    public NsEntry? Entry(ulong node) => _byNode.GetValueOrDefault(node);

    /// <summary>Every entry the view shows (each name of a hard-linked file), in no order.</summary>
    public IEnumerable<NsEntry> Shown => _nodeOfId.Keys.Select(id => Tree.Get(id)!);

    public ulong NodeOf(NsEntry entry) => _nodeOfId[entry.Id];

    /// <summary>The entry named <paramref name="name"/> in the directory <paramref name="parent"/>, or null.</summary>
    public NsEntry? Child(ulong parent, string name) =>
        Entry(parent) is { Type: NsEntry.TypeDir } dir && Tree.Child(dir.Id, name) is { } e && _nodeOfId.ContainsKey(e.Id) ? e : null;

    /// <summary>A directory's entries in name order (built once per directory and view).</summary>
    public IReadOnlyList<NsEntry> List(ulong dir) =>
        Entry(dir) is { Type: NsEntry.TypeDir } d ? _listings.GetOrAdd(d.Id, id => [.. Tree.List(id).Where(e => _nodeOfId.ContainsKey(e.Id))]) : [];

    /// <summary>The path of an entry from the root ("/" for the root), for log lines.</summary>
    public string PathOf(NsEntry entry)
    {
        var names = new List<string>();
        for (var e = entry; e is not null && e.ParentId != 0 && names.Count < 4096; e = Tree.Get(e.ParentId)) names.Add(e.Name);
        names.Reverse();
        return "/" + string.Join('/', names);
    }

    /// <summary>What stat shows of <paramref name="e"/> as node <paramref name="node"/>.</summary>
    public static void Fill(NsEntry e, ulong node, ref FuseAttr a)
    {
        var size = e.Type == NsEntry.TypeSymlink && e.Target is { } t ? System.Text.Encoding.UTF8.GetByteCount(t) : Math.Max(0, e.Size);
        a.Ino = node;
        a.Size = (ulong)size;
        a.Blocks = (ulong)((size + 511) / 512);
        a.Rdev = 0;
        (a.AtimeSec, a.AtimeNsec) = Split(e.AtimeNs);
        (a.MtimeSec, a.MtimeNsec) = Split(e.MtimeNs);
        (a.CtimeSec, a.CtimeNsec) = Split(e.CtimeNs);
        a.Mode = ModeOf(e);
        a.Nlink = (uint)Math.Clamp(e.Nlink, 1, uint.MaxValue);
        a.Uid = (uint)e.Uid;
        a.Gid = (uint)e.Gid;
        a.BlkSize = 4096;
    }

    /// <summary>The mode with the type bits the entry's type says (a crafted mode cannot make a file a directory).</summary>
    public static uint ModeOf(NsEntry e)
    {
        var perm = (uint)e.Mode & 0xFFF;
        return e.Type switch
        {
            NsEntry.TypeDir => Libc.S_IFDIR | perm,
            NsEntry.TypeSymlink => Libc.S_IFLNK | perm,
            NsEntry.TypeFile => Libc.S_IFREG | perm,
            _ => ((uint)e.Mode & Libc.S_IFMT) is var t && t != 0 && t != Libc.S_IFDIR && t != Libc.S_IFLNK ? t | perm : Libc.S_IFREG | perm,
        };
    }

    private static (long Sec, long Nsec) Split(long ns)
    {
        var sec = Math.DivRem(ns, 1_000_000_000L, out var nsec);
        return nsec < 0 ? (sec - 1, nsec + 1_000_000_000L) : (sec, nsec);
    }
}
