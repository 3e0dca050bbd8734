using System.Text;
using TierFs.FileSystem;
using TierFs.Posix;

namespace TierFs.Tests.FileSystem;

public unsafe class InodeTableTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tierfs-ut-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static int OpenPath(string path)
    {
        var b = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = b)
        {
            var fd = Libc.OpenAt(Libc.AT_FDCWD, p, Libc.O_PATH | Libc.O_CLOEXEC, 0);
            Assert.True(fd >= 0, $"open {path}: errno {Libc.Errno()}");
            return fd;
        }
    }

    // Whether fd still refers to path (the number alone may be reused by tests running in parallel).
    private static bool IsOpenOn(int fd, string path)
    {
        try { return new FileInfo($"/proc/self/fd/{fd}").LinkTarget == path; }
        catch (IOException) { return false; }
    }

    private string NewFile(string name)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, name);
        return path;
    }

    [Fact]
    public void Same_backing_inode_gets_one_node_and_counts_lookups()
    {
        using var table = new InodeTable(OpenPath(_dir), 1, 100, Libc.S_IFDIR);
        var first = NewFile("first");
        var second = NewFile("second");
        var fd1 = OpenPath(first);
        var a = table.Reference(fd1, 1, 5, Libc.S_IFREG);
        var fd2 = OpenPath(second);
        var b = table.Reference(fd2, 1, 5, Libc.S_IFREG);
        Assert.Same(a, b);
        Assert.False(IsOpenOn(fd2, second), "the duplicate descriptor must be closed");
        Assert.Same(a, table.TryReference(1, 5));

        table.Forget(a.NodeId, 2);
        Assert.NotNull(table.Get(a.NodeId));
        table.Forget(a.NodeId, 1);
        Assert.Null(table.Get(a.NodeId));
        Assert.False(IsOpenOn(fd1, first), "a forgotten node's descriptor must be closed");
        Assert.Null(table.TryReference(1, 5));
    }

    [Fact]
    public void Node_ids_are_never_reused_and_root_is_never_forgotten()
    {
        using var table = new InodeTable(OpenPath(_dir), 1, 100, Libc.S_IFDIR);
        var first = table.Reference(OpenPath("/dev/null"), 1, 7, Libc.S_IFREG);
        table.Forget(first.NodeId, 1);
        var second = table.Reference(OpenPath("/dev/null"), 1, 7, Libc.S_IFREG);
        Assert.NotEqual(first.NodeId, second.NodeId);

        table.Forget(InodeTable.RootId, 1000);
        Assert.Same(table.Root, table.Get(InodeTable.RootId));
    }

    [Fact]
    public void Forget_more_than_counted_removes_without_underflow()
    {
        using var table = new InodeTable(OpenPath(_dir), 1, 100, Libc.S_IFDIR);
        var n = table.Reference(OpenPath("/dev/null"), 2, 9, Libc.S_IFREG);
        table.Forget(n.NodeId, ulong.MaxValue);
        Assert.Null(table.Get(n.NodeId));
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void Concurrent_references_of_one_inode_end_with_one_node()
    {
        using var table = new InodeTable(OpenPath(_dir), 1, 100, Libc.S_IFDIR);
        var nodes = new Inode[64];
        Parallel.For(0, nodes.Length, i => nodes[i] = table.Reference(OpenPath("/dev/null"), 3, 11, Libc.S_IFREG));
        Assert.All(nodes, n => Assert.Same(nodes[0], n));
        table.Forget(nodes[0].NodeId, 63);
        Assert.NotNull(table.Get(nodes[0].NodeId));
        table.Forget(nodes[0].NodeId, 1);
        Assert.Null(table.Get(nodes[0].NodeId));
    }
}

public unsafe class InodeEvictionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tierfs-ut-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Fd, StatX St) OpenPath(string path)
    {
        var b = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = b)
        {
            var fd = Libc.OpenAt(Libc.AT_FDCWD, p, Libc.O_PATH | Libc.O_CLOEXEC, 0);
            Assert.True(fd >= 0);
            StatX st;
            Assert.Equal(0, Libc.Statx(fd, OverlayFileSystem.EmptyPath, Libc.AT_EMPTY_PATH, StatX.BasicStats, &st));
            return (fd, st);
        }
    }

    /// <summary>Every node's descriptor (reopened by handle if it was closed) is its own file's.</summary>
    private static void AssertEachReopensToItsFile(InodeTable table, List<(Inode Node, ulong Ino)> nodes)
    {
        foreach (var (node, ino) in nodes)
        {
            using var lease = table.Use(node);
            StatX st;
            Assert.Equal(0, Libc.Statx(lease.Fd, OverlayFileSystem.EmptyPath, Libc.AT_EMPTY_PATH, StatX.BasicStats, &st));
            Assert.Equal(ino, st.Ino);
        }
    }

    [Fact]
    public void Past_the_limit_descriptors_are_closed_and_reopened_by_handle_to_the_same_file()
    {
        var (rootFd, rootSt) = OpenPath(_dir);
        using var table = new InodeTable(rootFd, rootSt.Dev, rootSt.Ino, rootSt.Mode, fdLimit: 16);
        var nodes = new List<(Inode Node, ulong Ino)>();
        for (var i = 0; i < 100; i++)
        {
            var path = Path.Combine(_dir, $"f{i}");
            File.WriteAllText(path, "x");
            var (fd, st) = OpenPath(path);
            nodes.Add((table.Reference(fd, st.Dev, st.Ino, st.Mode), st.Ino));
            Assert.True(table.OpenDescriptors <= 16, $"{table.OpenDescriptors} open after {i + 1}");
        }
        AssertEachReopensToItsFile(table, nodes);
        Assert.True(table.OpenDescriptors <= 16);
    }

    [Fact]
    public void A_soft_limit_lowered_while_running_bounds_the_descriptors_to_half_of_it()
    {
        var (rootFd, rootSt) = OpenPath(_dir);
        ulong soft = 0; // not known yet: the table's own limit holds
        using var table = new InodeTable(rootFd, rootSt.Dev, rootSt.Ino, rootSt.Mode, fdLimit: 1000, softLimit: () => soft);
        var nodes = new List<(Inode Node, ulong Ino)>();
        void Add(string name)
        {
            var path = Path.Combine(_dir, name);
            File.WriteAllText(path, "x");
            var (fd, st) = OpenPath(path);
            nodes.Add((table.Reference(fd, st.Dev, st.Ino, st.Mode), st.Ino));
        }
        for (var i = 0; i < 200; i++) Add($"s{i}");
        Assert.Equal(200, table.OpenDescriptors);

        soft = 100; // prlimit on the running daemon
        Assert.Equal(50, table.EffectiveFdLimit);
        Add("after");
        Assert.True(table.OpenDescriptors <= 50, $"{table.OpenDescriptors} open under a soft limit of {soft}");
        AssertEachReopensToItsFile(table, nodes);
        Assert.True(table.OpenDescriptors <= 50 + 1);

        soft = 1_000_000; // raised again: never past the table's own limit
        Assert.Equal(1000, table.EffectiveFdLimit);
    }

    [Fact]
    public void A_pinned_descriptor_is_never_closed_under_its_user()
    {
        var (rootFd, rootSt) = OpenPath(_dir);
        using var table = new InodeTable(rootFd, rootSt.Dev, rootSt.Ino, rootSt.Mode, fdLimit: 16);
        File.WriteAllText(Path.Combine(_dir, "pinned"), "x");
        var (pfd, pst) = OpenPath(Path.Combine(_dir, "pinned"));
        var pinned = table.Reference(pfd, pst.Dev, pst.Ino, pst.Mode);
        using var lease = table.Use(pinned);
        for (var i = 0; i < 100; i++)
        {
            var path = Path.Combine(_dir, $"g{i}");
            File.WriteAllText(path, "x");
            var (fd, st) = OpenPath(path);
            table.Reference(fd, st.Dev, st.Ino, st.Mode);
        }
        StatX now;
        Assert.Equal(0, Libc.Statx(lease.Fd, OverlayFileSystem.EmptyPath, Libc.AT_EMPTY_PATH, StatX.BasicStats, &now));
        Assert.Equal(pst.Ino, now.Ino);
    }

    [Fact]
    public void A_file_deleted_while_evicted_answers_estale()
    {
        var (rootFd, rootSt) = OpenPath(_dir);
        using var table = new InodeTable(rootFd, rootSt.Dev, rootSt.Ino, rootSt.Mode, fdLimit: 16);
        var victim = Path.Combine(_dir, "victim");
        File.WriteAllText(victim, "x");
        var (vfd, vst) = OpenPath(victim);
        var node = table.Reference(vfd, vst.Dev, vst.Ino, vst.Mode);
        for (var i = 0; i < 60; i++)
        {
            var path = Path.Combine(_dir, $"h{i}");
            File.WriteAllText(path, "x");
            var (fd, st) = OpenPath(path);
            table.Reference(fd, st.Dev, st.Ino, st.Mode);
        }
        File.Delete(victim);
        var e = Assert.Throws<TierFs.Fuse.FuseErrnoException>(() => { using var lease = table.Use(node); });
        Assert.Equal(Errno.ESTALE, e.Errno);
    }
}
