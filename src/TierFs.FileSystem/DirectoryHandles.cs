using System.Collections.Concurrent;
using TierFs.Posix;

namespace TierFs.FileSystem;

/// <summary>
/// An open directory stream and where it stands: at <see cref="Offset"/>, or just past
/// <see cref="Pending"/>, the entry read from the stream that did not fit in the last reply
/// (kept, rather than seeking back, which costs a hashed-directory rebuild on ext4).
/// </summary>
internal sealed class DirectoryHandle(IntPtr dir)
{
    public readonly Lock Gate = new();
    public IntPtr Dir = dir;
    public long Offset;
    public PendingEntry? Pending;
}

/// <summary>A directory entry read but not yet replied: its NUL-terminated name, inode, type, next offset.</summary>
internal sealed record PendingEntry(byte[] Name, ulong Ino, byte Type, long NextOffset);

/// <summary>Directory file handles: small integers mapped to open streams.</summary>
internal sealed class DirectoryHandles : IDisposable
{
    private readonly ConcurrentDictionary<ulong, DirectoryHandle> _open = new();
    private long _next;

    public ulong Add(IntPtr dir)
    {
        var id = (ulong)Interlocked.Increment(ref _next);
        _open[id] = new DirectoryHandle(dir);
        return id;
    }

    public DirectoryHandle? Get(ulong id) => _open.GetValueOrDefault(id);

    public void Remove(ulong id)
    {
        if (!_open.TryRemove(id, out var h)) return;
        lock (h.Gate)
        {
            Libc.CloseDir(h.Dir);
            h.Dir = IntPtr.Zero;
        }
    }

    public void Dispose()
    {
        foreach (var id in _open.Keys) Remove(id);
    }
}
