using TierFs.FileSystem;
using TierFs.Index;
using TierFs.Records;

namespace TierFs.Scan.Live;

/// <summary>
/// A name in a directory that changed: the directory's inode, the name's raw bytes (names need not be UTF-8),
/// and the target of a symlink made there. <paramref name="Listed"/>: found by listing a directory, not told by
/// the mount; <paramref name="Deferred"/>: a listed symlink put off once already (see <see cref="LiveBatch"/>).
/// </summary>
internal readonly record struct NameChange(FileKey Parent, byte[] Name, byte[]? LinkTarget = null, bool Listed = false, bool Deferred = false);

/// <summary>What one collection took: names in the order they changed, nodes once each, inodes changed behind the mount.</summary>
internal sealed record Changes(List<NameChange> Names, List<IObservedNode> Nodes, List<FileKey> Keys, bool Overflowed)
{
    public bool IsEmpty => Names.Count == 0 && Nodes.Count == 0 && Keys.Count == 0 && !Overflowed;
}

/// <summary>
/// The changes told by the mount and not applied yet. Adding is a short lock and a list append
/// (nodes come once per collection, see <see cref="IObservedNode.ReportChange"/>). While applying is paused
/// (a full scan runs) the names pile up: past <see cref="MaxNames"/> they are dropped and the log
/// says so, and the keeper rescans instead (the scan finds everything they named).
/// </summary>
internal sealed class ChangeLog(int maxNames)
{
    public const int DefaultMaxNames = 1_000_000;

    private readonly Lock _lock = new();
    private List<NameChange> _names = [];
    private List<IObservedNode> _nodes = [];
    private List<FileKey> _keys = [];
    private bool _overflowed;

    public int MaxNames { get; } = maxNames;

    /// <summary>Returns true when the log was empty before (the applier is to be woken).</summary>
    public bool AddName(FileKey parent, ReadOnlySpan<byte> name, ReadOnlySpan<byte> linkTarget)
    {
        var change = new NameChange(parent, name.ToArray(), linkTarget.IsEmpty ? null : linkTarget.ToArray());
        lock (_lock)
        {
            var wasEmpty = IsEmptyLocked();
            if (_names.Count < MaxNames) _names.Add(change);
            else _overflowed = true;
            return wasEmpty;
        }
    }

    /// <summary>A name a batch put off to the next one (see <see cref="LiveBatch.Deferred"/>).</summary>
    public bool Requeue(NameChange change)
    {
        lock (_lock)
        {
            var wasEmpty = IsEmptyLocked();
            if (_names.Count < MaxNames) _names.Add(change);
            else _overflowed = true;
            return wasEmpty;
        }
    }

    public bool AddNode(IObservedNode node)
    {
        lock (_lock)
        {
            var wasEmpty = IsEmptyLocked();
            _nodes.Add(node);
            return wasEmpty;
        }
    }

    /// <summary>An inode changed by TierFs itself, not through the mount (its rows are looked at again, as a node's).</summary>
    public bool AddKey(FileKey key)
    {
        lock (_lock)
        {
            var wasEmpty = IsEmptyLocked();
            _keys.Add(key);
            return wasEmpty;
        }
    }

    /// <summary>Everything collected so far; the nodes' flags are cleared first, so a change from now on is told again.</summary>
    public Changes Take()
    {
        Changes taken;
        lock (_lock)
        {
            taken = new Changes(_names, _nodes, _keys, _overflowed);
            _names = [];
            _nodes = [];
            _keys = [];
            _overflowed = false;
        }
        foreach (var node in taken.Nodes) node.ChangeCollected();
        return taken;
    }

    private bool IsEmptyLocked() => _names.Count == 0 && _nodes.Count == 0 && _keys.Count == 0 && !_overflowed;
}
