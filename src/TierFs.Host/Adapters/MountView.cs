using TierFs.FileSystem;
using TierFs.Fuse;
using TierFs.Tiering.Engine;
using TierFs.Records;

namespace TierFs.Host.Adapters;

/// <summary>The engine's view of the mount: who has a file open, and telling the kernel to drop its cache.</summary>
public sealed class MountView(OverlayFileSystem overlay, FuseSession session) : IMountView
{
    public int OpenHandles(FileKey key) => overlay.Inodes.Find(key.Dev, key.Ino)?.OpenHandles ?? 0;

    public int OpenWriters(FileKey key) => overlay.Inodes.Find(key.Dev, key.Ino)?.OpenWriters ?? 0;

    public void Invalidate(FileKey key, bool wait)
    {
        if (overlay.Inodes.Find(key.Dev, key.Ino) is not { } node) return;
        if (wait) session.InvalidateInode(node.NodeId);
        // Never from inside a request handler of the same inode (the kernel may hold its locks).
        else ThreadPool.QueueUserWorkItem(_ => session.InvalidateInode(node.NodeId));
    }
}
