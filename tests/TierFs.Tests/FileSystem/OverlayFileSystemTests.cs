using System.Text;
using TierFs.FileSystem;
using TierFs.Fuse;
using TierFs.Posix;
using TierFs.Tests.Fakes;

namespace TierFs.Tests.FileSystem;

/// <summary>
/// The overlay's data path without a mount: its FUSE operations called directly with request types
/// built here, over a temp directory, with a fake gate standing for the tiering layer. Not run in
/// parallel with other tests: the overlay sets the process's umask to 0 (a mount serves every
/// caller's own), which the fixture puts back.
/// </summary>
[Collection(OverlayCollection.Name)]
public sealed unsafe class OverlayFileSystemTests : IDisposable
{
    private static readonly FuseContext Caller = new(uid: 1000, gid: 1000, pid: 4242, umask: 0x12);

    private readonly string _root = Directory.CreateTempSubdirectory("tierfs-overlay-").FullName;
    private readonly FakeStubGate _gate = new();
    private readonly OverlayFileSystem _fs;

    public OverlayFileSystemTests()
    {
        var umask = Libc.Umask(0);
        try
        {
            var nodes = OverlayFileSystem.OpenNodes(OverlayFileSystem.OpenBacking(_root), maxNodeDescriptors: 64);
            _fs = new OverlayFileSystem(nodes, new OverlayOptions { AttrTimeout = 7, EntryTimeout = 9 }, _gate);
        }
        finally
        {
            Libc.Umask(umask);
        }
    }

    public void Dispose()
    {
        _fs.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void Lookup_and_getattr_of_a_stub_show_the_gates_attributes_and_a_plain_file_its_own()
    {
        File.WriteAllBytes(Path.Combine(_root, "stub"), new byte[100_000]);
        File.WriteAllBytes(Path.Combine(_root, "plain"), new byte[100_000]);
        _gate.MarkTiered(Stat("stub"));
        _gate.Shown = new ShownAttributes(NoDataBlocks: true, CtimeNs: 1_234_567_891_500_000_000, MtimeNs: 1_100_000_000_250_000_000);

        Assert.Equal(0, Lookup("stub", out var entry));
        Assert.Equal((7.0, 9.0), (entry.AttrTimeout, entry.EntryTimeout));
        Assert.Equal((100_000UL, 0UL, 1_234_567_891L, 500_000_000L), (entry.Attr.Size, entry.Attr.Blocks, entry.Attr.CtimeSec, entry.Attr.CtimeNsec));
        Assert.Equal((1_100_000_000L, 250_000_000L), (entry.Attr.MtimeSec, entry.Attr.MtimeNsec));
        var attr = GetAttr(entry.Ino);
        Assert.Equal((0UL, 1_234_567_891L, 1_100_000_000L), (attr.Blocks, attr.CtimeSec, attr.MtimeSec));
        // Before 1970: seconds floored, nanoseconds in 0..999,999,999 (1.5 s before the epoch is -2 s + 0.5 s).
        _gate.Shown = new ShownAttributes(NoDataBlocks: true, CtimeNs: -1_500_000_000, MtimeNs: -1_500_000_000);
        var old = GetAttr(entry.Ino);
        Assert.Equal((-2L, 500_000_000L, -2L, 500_000_000L), (old.CtimeSec, old.CtimeNsec, old.MtimeSec, old.MtimeNsec));

        Assert.Equal(0, Lookup("plain", out var plain));
        var st = Stat("plain");
        Assert.Equal((st.Blocks, st.Ctime.Sec), (plain.Attr.Blocks, plain.Attr.CtimeSec));
        Assert.NotEqual(0UL, plain.Attr.Blocks);
        Assert.Equal(-Errno.ENOENT, Lookup("none", out _));
    }

    [Fact]
    public void Open_of_a_stub_asks_the_gate_as_the_caller_and_fails_with_its_errno_holding_nothing_open()
    {
        var data = Encoding.ASCII.GetBytes("the data of the stub, once local");
        File.WriteAllBytes(Path.Combine(_root, "s"), data);
        _gate.MarkTiered(Stat("s"));
        Assert.Equal(0, Lookup("s", out var entry));

        _gate.MakeLocalResult = -Errno.EIO;
        var fi = new FuseFileInfo { Flags = Libc.O_RDONLY };
        Assert.Equal(-Errno.EIO, _fs.Open(Caller, entry.Ino, ref fi));
        Assert.Equal((Stat("s").Ino, false, 4242, 1000u), Assert.Single(_gate.MakeLocalCalls));
        Assert.Equal(0, Node("s").OpenHandles); // a failed open holds nothing: a release may go on

        _gate.MakeLocalResult = 0;
        Assert.Equal(0, _fs.Open(Caller, entry.Ino, ref fi));
        Assert.Equal(1, Node("s").OpenHandles);
        var reply = new FuseReadReply();
        Assert.Equal(0, _fs.Read(Caller, entry.Ino, fi, 4, [], ref reply)); // spliced from the backing file
        var read = new byte[8];
        Assert.Equal(8, RandomAccess.Read(new Microsoft.Win32.SafeHandles.SafeFileHandle(reply.Fd, ownsHandle: false), read, reply.FdOffset));
        Assert.Equal(data.AsSpan(4, 8).ToArray(), read);
        Assert.Equal(0, _fs.Release(Caller, entry.Ino, fi));
        Assert.Equal(0, Node("s").OpenHandles);

        var trunc = new FuseFileInfo { Flags = Libc.O_WRONLY | Libc.O_TRUNC };
        Assert.Equal(0, _fs.Open(Caller, entry.Ino, ref trunc));
        Assert.True(_gate.MakeLocalCalls.Last().TruncatingToZero);
        Assert.Equal(4, _fs.Write(Caller, entry.Ino, trunc, 0, "new!"u8));
        Assert.Equal(Stat("s").Ino, _gate.DataChangingCalls.Last());
        Assert.Equal(0, _fs.Release(Caller, entry.Ino, trunc));
        Assert.Equal("new!", File.ReadAllText(Path.Combine(_root, "s")));
    }

    [Fact]
    public void Reads_through_a_handle_opened_during_a_recall_are_served_through_the_gate_until_the_file_is_whole()
    {
        var data = Encoding.ASCII.GetBytes("0123456789abcdef");
        File.WriteAllBytes(Path.Combine(_root, "r"), data);
        _gate.MarkTiered(Stat("r"));
        Assert.Equal(0, Lookup("r", out var entry));
        var asked = new List<(long Offset, int Size)>();
        _gate.ReadRecallingResult = (offset, size, serve) =>
        {
            asked.Add((offset, size));
            return Task.FromResult(serve((int)Math.Min(size, data.Length - offset))); // its parts are verified
        };
        var fi = new FuseFileInfo { Flags = Libc.O_RDONLY };
        Assert.Equal(0, _fs.Open(Caller, entry.Ino, ref fi));

        var reply = new FuseReadReply { Fd = -1 }; // as the binding hands it over
        var buffer = new byte[8];
        Assert.Equal(6, _fs.Read(Caller, entry.Ino, fi, 10, buffer, ref reply));
        Assert.Equal("abcdef", Encoding.ASCII.GetString(buffer, 0, 6));
        Assert.Equal((10L, 8), Assert.Single(asked));
        Assert.Equal(-1, reply.Fd); // served here, not left to a splice after the gate let go of the data

        // A part it needs failed: the read fails, nothing is read from the file.
        _gate.ReadRecallingResult = (_, _, _) => Task.FromResult(-Errno.EIO);
        buffer.AsSpan().Clear();
        Assert.Equal(-Errno.EIO, _fs.Read(Caller, entry.Ino, fi, 0, buffer, ref reply));
        Assert.All(buffer, b => Assert.Equal(0, b));

        // Whole now: read directly (spliced from the backing file) from then on, without asking again.
        _gate.ReadRecallingResult = (_, _, _) => null;
        Assert.Equal(0, _fs.Read(Caller, entry.Ino, fi, 4, buffer, ref reply));
        Assert.Equal(((int)fi.Fh, 4L), (reply.Fd, reply.FdOffset));
        _gate.ReadRecallingResult = (_, _, _) => throw new InvalidOperationException("asked again after the file was whole");
        Assert.Equal(0, _fs.Read(Caller, entry.Ino, fi, 0, buffer, ref reply));
        Assert.Equal(0, _fs.Release(Caller, entry.Ino, fi));
    }

    [Fact]
    public void A_plain_file_is_opened_without_asking_the_gate()
    {
        File.WriteAllText(Path.Combine(_root, "p"), "plain");
        Assert.Equal(0, Lookup("p", out var entry));
        var fi = new FuseFileInfo { Flags = Libc.O_RDONLY };
        Assert.Equal(0, _fs.Open(Caller, entry.Ino, ref fi));
        Assert.Empty(_gate.MakeLocalCalls);
        Assert.Equal(0, _fs.Release(Caller, entry.Ino, fi));
    }

    [Fact]
    public void Unlink_of_the_last_name_of_a_tiered_file_tells_the_gate_and_of_a_linked_one_does_not()
    {
        File.WriteAllText(Path.Combine(_root, "last"), "x");
        File.WriteAllText(Path.Combine(_root, "linked"), "y");
        Assert.Equal(0, Px.Link(Path.Combine(_root, "linked"), Path.Combine(_root, "linked-2")));
        _gate.MarkTiered(Stat("last"));
        _gate.MarkTiered(Stat("linked"));
        var last = Stat("last").Ino;

        Assert.Equal(0, Unlink("linked"));
        Assert.Empty(_gate.UnlinkedCalls);
        Assert.Equal(0, Unlink("last"));
        Assert.Equal(last, Assert.Single(_gate.RemovingCalls));
        Assert.Equal(last, Assert.Single(_gate.UnlinkedCalls));
    }

    [Fact]
    public void The_tiering_layers_xattrs_are_neither_listed_nor_readable()
    {
        var path = Path.Combine(_root, "x");
        File.WriteAllText(path, "x");
        Assert.Equal(0, Px.SetXattr(path, "trusted.tierfs.stub", "{}"u8));
        Assert.Equal(0, Px.SetXattr(path, "user.mine", "1"u8));
        Assert.Equal(0, Lookup("x", out var entry));

        var list = new byte[256];
        var n = _fs.ListXattr(Caller, entry.Ino, list);
        Assert.True(n > 0);
        Assert.Equal(["user.mine"], Encoding.ASCII.GetString(list, 0, n).Split('\0', StringSplitOptions.RemoveEmptyEntries));
        var value = new byte[16];
        fixed (byte* name = "trusted.tierfs.stub\0"u8)
            Assert.Equal(-Errno.ENODATA, _fs.GetXattr(Caller, entry.Ino, new FuseName(name), value));
    }

    private int Lookup(string name, out FuseEntry entry)
    {
        entry = default;
        fixed (byte* p = Encoding.UTF8.GetBytes(name + "\0")) return _fs.Lookup(Caller, InodeTable.RootId, new FuseName(p), ref entry);
    }

    private int Unlink(string name)
    {
        fixed (byte* p = Encoding.UTF8.GetBytes(name + "\0")) return _fs.Unlink(Caller, InodeTable.RootId, new FuseName(p));
    }

    private FuseAttr GetAttr(ulong ino)
    {
        var attr = new FuseAttr();
        var timeout = 0.0;
        Assert.Equal(0, _fs.GetAttr(Caller, ino, default, ref attr, ref timeout));
        Assert.Equal(7.0, timeout);
        return attr;
    }

    private Inode Node(string name)
    {
        var st = Stat(name);
        return _fs.Inodes.Find(st.Dev, st.Ino)!;
    }

    private StatX Stat(string name)
    {
        using var handle = File.OpenHandle(Path.Combine(_root, name));
        return FdStat.Of((int)handle.DangerousGetHandle());
    }

    /// <summary>xattr calls on a backing path (the test's own, not through the overlay).</summary>
    private static class Px
    {
        public static int SetXattr(string path, string name, ReadOnlySpan<byte> value)
        {
            fixed (byte* p = Encoding.UTF8.GetBytes(path + "\0"))
            fixed (byte* n = Encoding.UTF8.GetBytes(name + "\0"))
            fixed (byte* v = value)
                return Libc.SetXattr(p, n, v, (nuint)value.Length, 0);
        }

        public static int Link(string from, string to)
        {
            fixed (byte* f = Encoding.UTF8.GetBytes(from + "\0"))
            fixed (byte* t = Encoding.UTF8.GetBytes(to + "\0"))
                return Libc.LinkAt(Libc.AT_FDCWD, f, Libc.AT_FDCWD, t, 0);
        }
    }
}

/// <summary>Tests that change process-wide state (the umask): run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OverlayCollection
{
    public const string Name = "overlay (process umask)";
}
