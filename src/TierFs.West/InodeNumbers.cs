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
/// <remarks>
/// An entry's number is its id plus 2 (ids from 0 to 2^48: no table, so nothing per entry is held
/// for it, and it is the same on every mount); hard-linked files, and ids outside that range (only
/// a crafted namespace), are numbered from 2^48 + 2 up, in a table.
/// </remarks>
public sealed class InodeNumbers
{
    public const ulong Root = 1;
    private const long IdSpan = 1L << 48;
    private const ulong FirstOther = IdSpan + 2;

    private readonly Lock _gate = new();
    private readonly Dictionary<(char Type, long Ino), ulong> _links = [];
    private readonly Dictionary<long, ulong> _oddIds = [];
    private ulong _next = FirstOther;

    /// <summary>Numbers given from the table (hard-linked files, odd ids).</summary>
    public int Count
    {
        get { lock (_gate) return _links.Count + _oddIds.Count; }
    }

    /// <summary>The node of <paramref name="entry"/>; <paramref name="isRoot"/> for the namespace's root.</summary>
    public ulong For(NsEntry entry, bool isRoot) => For(entry.Id, entry.Type, entry.Nlink, entry.Ino, isRoot);

    public ulong For(long id, char type, long nlink, long ino, bool isRoot)
    {
        if (isRoot) return Root;
        if (!IsLinked(type, nlink) && OfId(id) is { } own) return own;
        lock (_gate)
        {
            if (IsLinked(type, nlink))
            {
                if (!_links.TryGetValue((type, ino), out var n)) _links[(type, ino)] = n = _next++;
                return n;
            }
            if (!_oddIds.TryGetValue(id, out var d)) _oddIds[id] = d = _next++;
            return d;
        }
    }

    /// <summary>Whether an entry is numbered as a file of several names (by its inode number), not by its id.</summary>
    public static bool IsLinked(char type, long nlink) => type != NsEntry.TypeDir && nlink > 1;

    /// <summary>The number of the entry of <paramref name="id"/>, when it is numbered by its id alone.</summary>
    public static ulong? OfId(long id) => id is >= 0 and < IdSpan ? (ulong)id + 2 : null;

    /// <summary>The id whose own number <paramref name="node"/> is, or null (the root, a table's number).</summary>
    public static long? IdOf(ulong node) => node is >= 2 and < FirstOther ? (long)(node - 2) : null;
}
