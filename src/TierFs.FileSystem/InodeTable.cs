using TierFs.FileSystem.Posix;

namespace TierFs.FileSystem;

/// <summary>
/// Node id ↔ backing inode, with the kernel's lookup counts (passthrough_hp's model). Node ids
/// are never reused within a mount, so the generation is always 0. One backing inode (dev, ino)
/// has one node id however many names (hard links) it is reached through.
/// </summary>
public sealed class InodeTable : IDisposable
{
    public const ulong RootId = 1;

    private readonly Lock _gate = new();
    private readonly Dictionary<ulong, Inode> _byId = [];
    private readonly Dictionary<(ulong Dev, ulong Ino), Inode> _byKey = [];
    private ulong _nextId = RootId + 1;

    public InodeTable(int rootFd, ulong dev, ulong ino, uint mode)
    {
        Root = new Inode(RootId, rootFd, dev, ino, mode) { Lookups = 1 };
        _byId[RootId] = Root;
        _byKey[(dev, ino)] = Root;
    }

    public Inode Root { get; }

    public int Count
    {
        get { lock (_gate) return _byId.Count; }
    }

    public Inode? Get(ulong nodeId)
    {
        lock (_gate) return _byId.GetValueOrDefault(nodeId);
    }

    /// <summary>Adds one lookup to the inode (dev, ino) if known.</summary>
    public Inode? TryReference(ulong dev, ulong ino)
    {
        lock (_gate)
        {
            if (!_byKey.TryGetValue((dev, ino), out var node)) return null;
            node.Lookups++;
            return node;
        }
    }

    /// <summary>
    /// Adds one lookup to (dev, ino), taking ownership of <paramref name="fd"/> for a new node;
    /// if another thread got there first, the fd is closed and the existing node is used.
    /// </summary>
    public Inode Reference(int fd, ulong dev, ulong ino, uint mode)
    {
        lock (_gate)
        {
            if (_byKey.TryGetValue((dev, ino), out var existing))
            {
                existing.Lookups++;
                Libc.Close(fd);
                return existing;
            }
            var node = new Inode(_nextId++, fd, dev, ino, mode) { Lookups = 1 };
            _byId[node.NodeId] = node;
            _byKey[(dev, ino)] = node;
            return node;
        }
    }

    /// <summary>Drops lookups; at zero the node is forgotten and its descriptor closed.</summary>
    public void Forget(ulong nodeId, ulong count)
    {
        Inode? dead = null;
        lock (_gate)
        {
            if (nodeId == RootId || !_byId.TryGetValue(nodeId, out var node)) return;
            node.Lookups = count >= node.Lookups ? 0 : node.Lookups - count;
            if (node.Lookups == 0)
            {
                _byId.Remove(nodeId);
                _byKey.Remove((node.Dev, node.Ino));
                dead = node;
            }
        }
        if (dead is not null) Libc.Close(dead.Fd);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var node in _byId.Values)
                if (node.NodeId != RootId) Libc.Close(node.Fd);
            _byId.Clear();
            _byKey.Clear();
        }
    }
}
