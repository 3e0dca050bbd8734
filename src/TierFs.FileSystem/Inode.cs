namespace TierFs.FileSystem;

/// <summary>
/// One backing file known to the kernel: an O_PATH descriptor that stays valid across renames,
/// and the kernel's lookup count. Lives in <see cref="InodeTable"/>.
/// </summary>
public sealed class Inode(ulong nodeId, int fd, ulong dev, ulong ino, uint mode)
{
    public ulong NodeId { get; } = nodeId;
    public int Fd { get; } = fd;
    public ulong Dev { get; } = dev;
    public ulong Ino { get; } = ino;
    /// <summary>The type bits (S_IFMT); a backing inode never changes type.</summary>
    public uint Type { get; } = mode & Posix.Libc.S_IFMT;

    // Guarded by the table's lock.
    internal ulong Lookups;

    private int _openHandles;
    private int _openWriters;

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

    public override string ToString() => $"node {NodeId} (dev {Dev:x} ino {Ino})";
}
