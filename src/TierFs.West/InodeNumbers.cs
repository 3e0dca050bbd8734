using TierFs.Namespace;

namespace TierFs.West;

/// <summary>
/// The node ids the kernel sees (and st_ino), kept across generations so that an entry that did not
/// change keeps its number: a directory by its entry id (ids are stable across renames and never
/// reused), anything else by its east inode number and type, so that the hard links of one file are
/// one node. The root is always 1. Only grows: a number is never given to another east inode.
/// </summary>
public sealed class InodeNumbers
{
    public const ulong Root = 1;

    private readonly Lock _gate = new();
    private readonly Dictionary<long, ulong> _dirs = [];
    private readonly Dictionary<(char Type, long Ino), ulong> _others = [];
    private ulong _next = Root + 1;

    public int Count
    {
        get { lock (_gate) return _dirs.Count + _others.Count; }
    }

    /// <summary>The node of <paramref name="entry"/>; <paramref name="isRoot"/> for the namespace's root.</summary>
    public ulong For(NsEntry entry, bool isRoot)
    {
        if (isRoot) return Root;
        lock (_gate)
        {
            if (entry.Type == NsEntry.TypeDir)
            {
                if (!_dirs.TryGetValue(entry.Id, out var d)) _dirs[entry.Id] = d = _next++;
                return d;
            }
            var key = (entry.Type, entry.Ino);
            if (!_others.TryGetValue(key, out var n)) _others[key] = n = _next++;
            return n;
        }
    }
}
