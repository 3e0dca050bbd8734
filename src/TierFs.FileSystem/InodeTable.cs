using TierFs.Posix;
using TierFs.Fuse;

namespace TierFs.FileSystem;

/// <summary>
/// Node id ↔ backing inode, with the kernel's lookup counts (passthrough_hp's model). Node ids
/// are never reused within a mount, so the generation is always 0. One backing inode (dev, ino)
/// has one node id however many names (hard links) it is reached through.
/// The kernel may hold far more inodes than a process may hold descriptors, so at most
/// <see cref="EffectiveFdLimit"/> O_PATH descriptors stay open: past it, the least recently used are
/// closed (second-chance clock) and reopened from their file handle when next needed.
/// </summary>
public sealed unsafe class InodeTable : INodeDescriptors, IDisposable
{
    public const ulong RootId = 1;

    private readonly Lock _gate = new();
    private readonly Dictionary<ulong, Inode> _byId = [];
    private readonly Dictionary<(ulong Dev, ulong Ino), Inode> _byKey = [];
    private readonly int _mountFd;
    private ulong _nextId = RootId + 1;
    private readonly Func<ulong> _softLimit;
    private int _openFds;
    private int _evicting;

    /// <param name="rootFd">O_PATH descriptor of the backing root (owned from here on).</param>
    /// <param name="fdLimit">Most node descriptors kept open at once.</param>
    /// <param name="softLimit">The process's descriptor limit now (default: as <see cref="DescriptorReserve"/> last read it; 0: unknown).</param>
    public InodeTable(int rootFd, ulong dev, ulong ino, uint mode, int fdLimit = 1 << 20, Func<ulong>? softLimit = null)
    {
        FdLimit = Math.Max(16, fdLimit);
        _softLimit = softLimit ?? (() => DescriptorReserve.SoftLimit);
        Root = new Inode(RootId, rootFd, dev, ino, mode, permanent: true) { Lookups = 1 };
        _byId[RootId] = Root;
        _byKey[(dev, ino)] = Root;
        // open_by_handle_at wants a real (not O_PATH) descriptor on the filesystem.
        var proc = stackalloc byte[ProcFd.BufferSize];
        _mountFd = Libc.OpenAt(Libc.AT_FDCWD, ProcFd.Format(rootFd, proc), Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
    }

    public Inode Root { get; }
    public int FdLimit { get; }

    /// <summary>
    /// Most node descriptors kept open now: <see cref="FdLimit"/>, or half the process's live soft
    /// limit when that is lower. An administrator may lower the limit of the running daemon
    /// (prlimit); node descriptors sized by the limit at start would then take what lookups and
    /// users' open files need, and a lookup would fail with EMFILE with no file open.
    /// </summary>
    public int EffectiveFdLimit
    {
        get
        {
            var soft = _softLimit();
            return soft == 0 ? FdLimit : (int)Math.Clamp(soft / 2, 16UL, (ulong)FdLimit);
        }
    }

    /// <summary>The backing root's O_PATH descriptor (the table owns it).</summary>
    public int RootFd => Root.FdSlot;

    /// <summary>Node descriptors open now (not counting the root).</summary>
    public int OpenDescriptors => Volatile.Read(ref _openFds);

    public int Count
    {
        get { lock (_gate) return _byId.Count; }
    }

    public Inode? Get(ulong nodeId)
    {
        lock (_gate) return _byId.GetValueOrDefault(nodeId);
    }

    /// <summary>
    /// Pins and returns the node's descriptor, reopening it from its file handle if it was
    /// evicted. Throws <see cref="FuseErrnoException"/> (ESTALE) if the file is gone.
    /// </summary>
    public NodeFd Use(Inode node)
    {
        node.Referenced = true;
        Interlocked.Increment(ref node.Pins);
        var fd = Volatile.Read(ref node.FdSlot);
        if (fd >= 0) return new NodeFd(node, fd);
        try
        {
            return new NodeFd(node, Reopen(node));
        }
        catch
        {
            Interlocked.Decrement(ref node.Pins);
            throw;
        }
    }

    private int Reopen(Inode node)
    {
        lock (node.Gate)
        {
            if (node.FdSlot >= 0) return node.FdSlot;
            int fd;
            fixed (byte* h = node.Handle)
                fd = h == null || _mountFd < 0 ? -1 : Libc.OpenByHandleAt(_mountFd, h, Libc.O_PATH | Libc.O_CLOEXEC);
            if (fd < 0)
            {
                var err = node.Handle is null ? Errno.ESTALE : Libc.Errno();
                throw new FuseErrnoException(err, $"cannot reopen {node}: errno {err}");
            }
            Volatile.Write(ref node.FdSlot, fd);
            Interlocked.Increment(ref _openFds);
        }
        EvictIfNeeded();
        return node.FdSlot;
    }

    /// <summary>
    /// A descriptor of the node's own (O_PATH; the caller closes it), for readers outside the
    /// request path; -1 once the kernel has forgotten the node or its file cannot be reopened.
    /// Under the table's lock, so that the node cannot be forgotten (and its descriptor closed) meanwhile.
    /// </summary>
    public int Duplicate(Inode node)
    {
        lock (_gate)
        {
            if (_byId.GetValueOrDefault(node.NodeId) != node) return -1;
            try
            {
                using var fd = Use(node);
                return Libc.Dup(fd.Fd);
            }
            catch (FuseErrnoException)
            {
                return -1;
            }
        }
    }

    /// <summary>The node of (dev, ino) if the kernel holds it, without adding a lookup.</summary>
    int INodeDescriptors.Duplicate(ulong dev, ulong ino) => Find(dev, ino) is { } node ? Duplicate(node) : -1;

    public Inode? Find(ulong dev, ulong ino)
    {
        lock (_gate) return _byKey.GetValueOrDefault((dev, ino));
    }

    /// <summary>Adds one lookup to the inode (dev, ino) if known.</summary>
    public Inode? TryReference(ulong dev, ulong ino)
    {
        lock (_gate)
        {
            if (!_byKey.TryGetValue((dev, ino), out var node)) return null;
            node.Lookups++;
            node.Referenced = true;
            return node;
        }
    }

    /// <summary>
    /// Adds one lookup to (dev, ino), taking ownership of <paramref name="fd"/> for a new node;
    /// if another thread got there first, the fd is closed and the existing node is used.
    /// </summary>
    public Inode Reference(int fd, ulong dev, ulong ino, uint mode)
    {
        Inode node;
        lock (_gate)
        {
            if (_byKey.TryGetValue((dev, ino), out var existing))
            {
                existing.Lookups++;
                existing.Referenced = true;
                Libc.Close(fd);
                return existing;
            }
            // Handles are reopened on the root's filesystem only; a submount's nodes keep their fd.
            node = new Inode(_nextId++, fd, dev, ino, mode, permanent: dev != Root.Dev || _mountFd < 0) { Lookups = 1 };
            _byId[node.NodeId] = node;
            _byKey[(dev, ino)] = node;
        }
        Interlocked.Increment(ref _openFds);
        EvictIfNeeded();
        return node;
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
        if (dead is not null) Close(dead);
    }

    private void Close(Inode node)
    {
        lock (node.Gate)
        {
            var fd = Interlocked.Exchange(ref node.FdSlot, -1);
            if (fd < 0) return;
            Libc.Close(fd);
            Interlocked.Decrement(ref _openFds);
        }
    }

    /// <summary>Past the limit, close descriptors down to 90% of it: unpinned, idle, not open by a user.</summary>
    private void EvictIfNeeded()
    {
        var limit = EffectiveFdLimit;
        if (Volatile.Read(ref _openFds) <= limit || Interlocked.Exchange(ref _evicting, 1) != 0) return;
        try
        {
            var target = limit - limit / 10;
            Inode[] nodes;
            lock (_gate) nodes = [.. _byId.Values];
            // Two passes: the first clears the clock bits of recently used nodes, the second takes them too.
            for (var pass = 0; pass < 2 && Volatile.Read(ref _openFds) > target; pass++)
                foreach (var node in nodes)
                {
                    if (Volatile.Read(ref _openFds) <= target) break;
                    if (node.Permanent || node.OpenHandles > 0 || Volatile.Read(ref node.FdSlot) < 0) continue;
                    if (node.Referenced) { node.Referenced = false; continue; }
                    TryEvict(node);
                }
        }
        finally
        {
            Volatile.Write(ref _evicting, 0);
        }
    }

    private void TryEvict(Inode node)
    {
        lock (node.Gate)
        {
            var fd = node.FdSlot;
            if (fd < 0 || Volatile.Read(ref node.Pins) != 0) return;
            if (node.Handle is null && !MakeHandle(node, fd)) return;
            // Take the descriptor away first, then look again for a user who pinned it meanwhile
            // (Use pins before it reads the slot; both sides are full fences).
            Interlocked.Exchange(ref node.FdSlot, -1);
            if (Volatile.Read(ref node.Pins) != 0)
            {
                Volatile.Write(ref node.FdSlot, fd);
                return;
            }
            Libc.Close(fd);
            Interlocked.Decrement(ref _openFds);
        }
    }

    private static bool MakeHandle(Inode node, int fd)
    {
        var buf = stackalloc byte[8 + Libc.MaxHandleSize];
        *(uint*)buf = Libc.MaxHandleSize;
        int mountId;
        if (Libc.NameToHandleAt(fd, OverlayFileSystem.EmptyPath, buf, &mountId, Libc.AT_EMPTY_PATH) != 0)
        {
            node.Permanent = true; // this filesystem cannot reopen files by handle: keep the fd
            return false;
        }
        node.Handle = new ReadOnlySpan<byte>(buf, 8 + (int)*(uint*)buf).ToArray();
        return true;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var node in _byId.Values)
                if (node.NodeId != RootId) Close(node);
            _byId.Clear();
            _byKey.Clear();
        }
        if (_mountFd >= 0) Libc.Close(_mountFd);
    }
}
