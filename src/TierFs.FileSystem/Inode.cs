using TierFs.Posix;

namespace TierFs.FileSystem;

/// <summary>
/// One backing file known to the kernel: the kernel's lookup count, and the way to reach the
/// file without a path — an O_PATH descriptor while one is cached, else a file handle
/// (name_to_handle_at) to reopen it. Lives in <see cref="InodeTable"/>; operations reach the
/// descriptor through <see cref="InodeTable.Use"/>, which pins it while they run.
/// </summary>
public sealed class Inode : IObservedNode
{
    internal Inode(ulong nodeId, int fd, ulong dev, ulong ino, uint mode, bool permanent)
    {
        NodeId = nodeId;
        FdSlot = fd;
        Dev = dev;
        Ino = ino;
        Type = mode & Libc.S_IFMT;
        Permanent = permanent;
    }

    public ulong NodeId { get; }
    public ulong Dev { get; }
    public ulong Ino { get; }
    /// <summary>The type bits (S_IFMT); a backing inode never changes type.</summary>
    public uint Type { get; }

    // Guarded by the table's lock.
    internal ulong Lookups;

    // The cached descriptor (-1: evicted), the operations using it, and the clock bit for eviction.
    internal int FdSlot;
    internal int Pins;
    internal volatile bool Referenced;
    /// <summary>Never evicted: the root, and files whose filesystem has no file handles.</summary>
    internal bool Permanent;
    /// <summary>struct file_handle, made when the descriptor is first evicted.</summary>
    internal byte[]? Handle;
    internal readonly Lock Gate = new();

    /// <summary>Set from the last stat: the file may be tiered (see <see cref="IStubGate.MayBeTiered"/>).</summary>
    internal volatile bool MayBeTiered;

    // How the kernel serves the node's open handles (see OverlayFileSystem.Passthrough): guarded by the overlay's mode lock.
    internal int PassthroughOpens;
    internal int CachedOpens;
    internal int BackingId;

    private int _openHandles;
    private int _openWriters;
    private int _changeReported;

    /// <summary>Open file handles through the mount: a file in use is never migrated.</summary>
    public int OpenHandles => Volatile.Read(ref _openHandles);
    public int OpenWriters => Volatile.Read(ref _openWriters);

    internal void Opened(bool forWrite)
    {
        Interlocked.Increment(ref _openHandles);
        if (forWrite) Interlocked.Increment(ref _openWriters);
    }

    internal void Closed(bool forWrite)
    {
        Interlocked.Decrement(ref _openHandles);
        if (forWrite) Interlocked.Decrement(ref _openWriters);
    }

    /// <summary>
    /// True for the first change since the observer last collected the node (see
    /// <see cref="INamespaceObserver.NodeChanged"/>); a plain read while one is pending.
    /// </summary>
    public bool ReportChange() =>
        Volatile.Read(ref _changeReported) == 0 && Interlocked.Exchange(ref _changeReported, 1) == 0;

    /// <summary>The observer took the node: the next change is reported again. Call before looking at the node.</summary>
    public void ChangeCollected() => Interlocked.Exchange(ref _changeReported, 0);

    public override string ToString() => $"node {NodeId} (dev {Dev:x} ino {Ino})";
}

/// <summary>A node's descriptor, pinned for the length of one operation (use with `using`).</summary>
public readonly ref struct NodeFd
{
    private readonly Inode _node;

    internal NodeFd(Inode node, int fd) => (_node, Fd) = (node, fd);

    public int Fd { get; }

    public void Dispose() => Interlocked.Decrement(ref _node.Pins);
}
