using System.Text;
using TierFs.FileSystem;
using TierFs.Index;
using TierFs.Posix;
using TierFs.Scan;

namespace TierFs.Tests.Scan;

/// <summary>
/// A scratch tree whose index keepers are told of changes as the overlay tells them: the change is
/// made in the tree first, then the keeper is told the directory's node and the name, or the node.
/// </summary>
internal sealed unsafe class ObservedTree : IDisposable
{
    private readonly int _rootFd;
    private readonly InodeTable _nodes;

    public ObservedTree()
    {
        _rootFd = OverlayFileSystem.OpenBacking(Tree.Root);
        var st = Stat(_rootFd, "");
        _nodes = new InodeTable(_rootFd, st.Dev, st.Ino, st.Mode);
    }

    public ScanTestTree Tree { get; } = new();

    public IndexKeeper Keeper(TierIndex index, int maxPendingNames = 1000, bool applyInBackground = true)
    {
        var keeper = new IndexKeeper(index, _rootFd, maxPendingNames, applyInBackground);
        ((INamespaceObserver)keeper).Attach(_nodes);
        return keeper;
    }

    /// <summary>The node of a path below the root, as a lookup through the mount would make it.</summary>
    public Inode Node(string relative)
    {
        if (relative == ".") return _nodes.Root;
        var bytes = Encoding.UTF8.GetBytes(relative + "\0");
        int fd;
        fixed (byte* p = bytes) fd = Libc.OpenAt(_rootFd, p, Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
        Assert.True(fd >= 0, $"open {relative}: errno {Libc.Errno()}");
        var st = Stat(fd, "");
        return _nodes.Reference(fd, st.Dev, st.Ino, st.Mode);
    }

    /// <summary>Tells the keeper that <paramref name="relative"/>'s name changed in its directory.</summary>
    public void Told(IndexKeeper keeper, string relative)
    {
        var dir = Path.GetDirectoryName(relative) is { Length: > 0 } d ? d : ".";
        ((INamespaceObserver)keeper).NameChanged(Node(dir), Encoding.UTF8.GetBytes(Path.GetFileName(relative)), default);
    }

    public static void Changed(IndexKeeper keeper, Inode node)
    {
        if (node.ReportChange()) ((INamespaceObserver)keeper).NodeChanged(node);
    }

    private static StatX Stat(int fd, string name)
    {
        StatX st;
        var bytes = Encoding.UTF8.GetBytes(name + "\0");
        fixed (byte* p = bytes)
            if (Libc.Statx(fd, p, Libc.AT_SYMLINK_NOFOLLOW | (name.Length == 0 ? Libc.AT_EMPTY_PATH : 0), StatX.BasicStats, &st) != 0)
                throw new IOException($"statx {name}: errno {Libc.Errno()}");
        return st;
    }

    public void Dispose()
    {
        _nodes.Dispose();
        Libc.Close(_rootFd);
        Tree.Dispose();
    }
}
