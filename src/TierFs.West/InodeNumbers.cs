using TierFs.Namespace;

namespace TierFs.West;

/// <summary>
/// The node ids the kernel sees (and st_ino), kept across generations so that an entry that did not
/// change keeps its number: an entry by its id (ids are stable across renames and never reused), but
/// a file with more than one link by its east inode number and type, so that the hard links of one
/// file are one node. (Only those: an east tree spanning two filesystems may hold two files with one
/// inode number, and only a hard link proves that two names are one file.) The root is always 1.
/// Only grows: a number is never given to another entry or inode.
/// </summary>
public sealed class InodeNumbers
{
    public const ulong Root = 1;

    private readonly Lock _gate = new();
    private readonly Dictionary<long, ulong> _byId = [];
    private readonly Dictionary<(char Type, long Ino), ulong> _others = [];
    private ulong _next = Root + 1;

    public int Count
    {
        get { lock (_gate) return _byId.Count + _others.Count; }
    }

    /// <summary>The node of <paramref name="entry"/>; <paramref name="isRoot"/> for the namespace's root.</summary>
    public ulong For(NsEntry entry, bool isRoot)
    {
        if (isRoot) return Root;
        lock (_gate)
        {
            if (entry.Type == NsEntry.TypeDir || entry.Nlink <= 1)
            {
                if (!_byId.TryGetValue(entry.Id, out var d)) _byId[entry.Id] = d = _next++;
                return d;
            }
            var key = (entry.Type, entry.Ino);
            if (!_others.TryGetValue(key, out var n)) _others[key] = n = _next++;
            return n;
        }
    }
}
