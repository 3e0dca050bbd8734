using TierFs.FileSystem;
using TierFs.Fuse;
using TierFs.Records;
using TierFs.Tiering.Engine;

namespace TierFs.Host.Adapters;

/// <summary>The engine's view of the mount: who has a file open (the node table), and telling the kernel to drop its cache.</summary>
public sealed class MountView(InodeTable nodes, KernelNotices kernel) : IMountView
{
    public int OpenHandles(FileKey key) => nodes.Find(key.Dev, key.Ino)?.OpenHandles ?? 0;

    public int OpenWriters(FileKey key) => nodes.Find(key.Dev, key.Ino)?.OpenWriters ?? 0;

    public void Invalidate(FileKey key, bool wait)
    {
        if (nodes.Find(key.Dev, key.Ino) is not { } node) return;
        if (wait) kernel.InvalidateInode(node.NodeId);
        // Never from inside a request handler of the same inode (the kernel may hold its locks).
        else ThreadPool.QueueUserWorkItem(_ => kernel.InvalidateInode(node.NodeId));
    }
}
