using System.Text;
using TierFs.Namespace;
using TierFs.Namespace.Import;
using TierFs.Posix;
using TierFs.Records;

namespace TierFs.Tests.Namespace;

/// <summary>
/// Import into a real directory (the tests run as root): stubs with the engine's record, links, and
/// a crafted namespace refused entry by entry with nothing written outside the target.
/// </summary>
public class TreeImporterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tierfs-import-").FullName;
    private readonly List<string> _problems = [];
    private readonly List<string> _unarchived = [];

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Target => Path.Combine(_dir, "target");

    private ImportOptions Options(bool merge = false, bool unarchived = false) => new()
    {
        Merge = merge,
        IncludeUnarchived = unarchived,
        Problem = _problems.Add,
        Unarchived = _unarchived.Add,
    };

    private static NsEntry E(long id, long parent, string name, char type = NsEntry.TypeFile, long size = 0, long ino = 0, string? target = null, StubRecord? record = null) => new()
    {
        Id = id,
        ParentId = parent,
        Name = name,
        Type = type,
        Mode = type switch { NsEntry.TypeDir => 0x41ed, NsEntry.TypeSymlink => 0xa1ff, _ => 0x8000 | 0x1a4 },
        Uid = 1234,
        Gid = 567,
        Size = size,
        Nlink = 1,
        Ino = ino == 0 ? id : ino,
        AtimeNs = 1_600_000_000_111_111_111,
        MtimeNs = 1_600_000_000_222_222_222,
        CtimeNs = 1_600_000_000_333_333_333,
        Target = target,
        State = record is null ? TierState.Resident : TierState.Released,
        Record = record,
    };

    private static StubRecord Record(long size) => new()
    {
        State = StubRecord.StateArchived,
        FileId = new string('a', 32),
        ObjectKey = "data/aa/" + new string('a', 32) + "/1.0011223344556677",
        Checksum = "00-1",
        Blake3 = new string('b', 64) + "-1",
        Crc32C = "00000000-1",
        PartSize = 16 << 20,
        Size = size,
        MtimeNs = 1_600_000_000_222_222_222,
        Remote = "s3://tier/east/",
    };

    [Fact]
    public void Import_makes_released_stubs_with_the_records_size_owner_mode_times_and_keeps_hard_links_and_symlinks()
    {
        var tree = new NamespaceTree("heb", 1);
        tree.Put(E(1, 0, "", NsEntry.TypeDir));
        tree.Put(E(2, 1, "proj", NsEntry.TypeDir));
        tree.Put(E(3, 2, "big.h5", size: 3 << 20, ino: 77, record: Record(3 << 20)) with { Nlink = 2 });
        tree.Put(E(4, 1, "again.h5", size: 3 << 20, ino: 77, record: Record(3 << 20)) with { Nlink = 2 });
        tree.Put(E(5, 1, "link", NsEntry.TypeSymlink, target: "proj/big.h5"));
        tree.Put(E(6, 1, "local.txt", size: 10));
        tree.Put(E(7, 2, "up", NsEntry.TypeSymlink, target: "../again.h5"));
        Directory.CreateDirectory(Target);

        var summary = new TreeImporter(tree, Options()).Run(Target);

        Assert.Empty(_problems);
        Assert.Equal((1L, 1L, 2L, 1L, 1L), (summary.Stubs, summary.HardLinks, summary.Symlinks, summary.Directories, summary.Unarchived));
        Assert.Equal(["local.txt"], _unarchived);
        Assert.False(File.Exists(Path.Combine(Target, "local.txt")));
        var big = Path.Combine(Target, "proj", "big.h5");
        var st = Stat(big);
        Assert.Equal(3UL << 20, st.Size);
        Assert.True(st.Blocks * 512 <= 16 * 1024, $"the stub holds {st.Blocks * 512} bytes"); // a hole, no data (an xattr block at most)
        Assert.Equal((1234U, 567U, 2U), (st.Uid, st.Gid, st.Nlink));
        Assert.Equal(0x81a4, (int)st.Mode);
        Assert.Equal(Stat(Path.Combine(Target, "again.h5")).Ino, st.Ino);
        Assert.Equal(1_600_000_000_222_222_222, FdStat.Ns(st.Mtime));
        Assert.Equal(1_600_000_000_111_111_111, FdStat.Ns(st.Atime));
        var record = StubXattr.Decode(Xattr(big, StubXattr.Name));
        Assert.Equal(StubRecord.StateReleased, record.State);
        Assert.Equal(Record(3 << 20).ObjectKey, record.ObjectKey);
        Assert.Equal(TierState.Released, record.StateFor((long)st.Size, FdStat.Ns(st.Mtime)));
        Assert.Equal("proj/big.h5", new FileInfo(Path.Combine(Target, "link")).LinkTarget);
        Assert.Equal((1234U, 567U), (Stat(Path.Combine(Target, "link")).Uid, Stat(Path.Combine(Target, "link")).Gid));
    }

    [Fact]
    public void A_crafted_namespace_is_refused_entry_by_entry_and_nothing_is_written_outside_the_target()
    {
        var outside = Path.Combine(_dir, "outside");
        Directory.CreateDirectory(outside);
        var tree = new NamespaceTree("heb", 1);
        tree.Put(E(1, 0, "", NsEntry.TypeDir));
        tree.Put(E(2, 1, "..", NsEntry.TypeDir));
        tree.Put(E(3, 2, "escaped.txt", size: 1, record: Record(1)));
        tree.Put(E(4, 1, "../outside/x", size: 1, record: Record(1)));
        tree.Put(E(5, 1, "/abs", size: 1, record: Record(1)));
        tree.Put(E(6, 1, "nul\0name", size: 1, record: Record(1)));
        tree.Put(E(7, 1, "abs-link", NsEntry.TypeSymlink, target: outside));
        tree.Put(E(8, 1, "escape-link", NsEntry.TypeSymlink, target: "../outside"));
        tree.Put(E(9, 8, "through.txt", size: 1, record: Record(1))); // below a symlink
        tree.Put(E(10, 1, "ok", NsEntry.TypeDir));
        tree.Put(E(11, 10, "deep-escape", NsEntry.TypeSymlink, target: "../../outside"));
        tree.Put(E(12, 10, "fine", NsEntry.TypeSymlink, target: "../ok"));
        Directory.CreateDirectory(Target);

        var summary = new TreeImporter(tree, Options()).Run(Target);

        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
        Assert.Equal(["ok"], Directory.EnumerateFileSystemEntries(Target).Select(Path.GetFileName));
        Assert.Equal(["fine"], Directory.EnumerateFileSystemEntries(Path.Combine(Target, "ok")).Select(Path.GetFileName));
        Assert.Equal(7, summary.Refused);
        foreach (var name in new[] { "..: refused", "../outside/x: refused", "/abs: refused", "nul\\0name: refused", "abs-link: refused", "escape-link: refused", "ok/deep-escape: refused" })
            Assert.Contains(_problems, p => p.StartsWith(name, StringComparison.Ordinal));
    }
    [Fact]
    public void A_symlink_and_a_fifo_made_as_their_owner_in_a_set_gid_directory_get_the_namespaces_group_mode_and_times()
    {
        Directory.CreateDirectory(Target);
        Chown(Target, 0, 99);
        File.SetUnixFileMode(Target, (UnixFileMode)0x5ED); // 2755: what is made in it gets group 99
        var tree = new NamespaceTree("heb", 1);
        tree.Put(E(1, 0, "", NsEntry.TypeDir));
        // An atime ahead of the clock: anything on the machine that reads the link (a walker of the temp
        // directory) would move an older one (relatime), and the test would see that instead of the import's.
        var atime = (DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 3600) * 1_000_000_000 + 111_111_111;
        tree.Put(E(2, 1, "link", NsEntry.TypeSymlink, target: "fifo") with { AtimeNs = atime });
        tree.Put(E(3, 1, "fifo", NsEntry.TypeOther) with { Mode = 0x11B6 }); // 0666: more than the umask lets mknod give

        var summary = new TreeImporter(tree, Options(merge: true)).Run(Target);

        Assert.Empty(_problems);
        Assert.Equal((1L, 1L), (summary.Symlinks, summary.Others));
        var link = Stat(Path.Combine(Target, "link"));
        Assert.Equal((1234U, 567U), (link.Uid, link.Gid));
        Assert.Equal((atime, 1_600_000_000_222_222_222), (FdStat.Ns(link.Atime), FdStat.Ns(link.Mtime)));
        var fifo = Stat(Path.Combine(Target, "fifo"));
        Assert.Equal((1234U, 567U, 0x11B6), (fifo.Uid, fifo.Gid, (int)fifo.Mode));
    }

    [Fact]
    public void A_non_empty_target_is_refused_unless_merge_and_a_planted_symlink_is_never_followed()
    {
        var outside = Path.Combine(_dir, "outside");
        Directory.CreateDirectory(outside);
        Directory.CreateDirectory(Target);
        File.CreateSymbolicLink(Path.Combine(Target, "proj"), outside);
        var tree = new NamespaceTree("heb", 1);
        tree.Put(E(1, 0, "", NsEntry.TypeDir));
        tree.Put(E(2, 1, "proj", NsEntry.TypeDir));
        tree.Put(E(3, 2, "x.h5", size: 1, record: Record(1)));

        Assert.Throws<ImportRefusedException>(() => new TreeImporter(tree, Options()).Run(Target));
        var summary = new TreeImporter(tree, Options(merge: true)).Run(Target);

        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
        Assert.Equal(1, summary.Refused);
        Assert.Contains(_problems, p => p.StartsWith("proj: refused", StringComparison.Ordinal));
    }

    private static unsafe StatX Stat(string path)
    {
        StatX st;
        fixed (byte* p = Encoding.UTF8.GetBytes(path + "\0"))
            Assert.Equal(0, Libc.Statx(Libc.AT_FDCWD, p, Libc.AT_SYMLINK_NOFOLLOW, StatX.BasicStats, &st));
        return st;
    }

    private static unsafe void Chown(string path, uint uid, uint gid)
    {
        fixed (byte* p = Encoding.UTF8.GetBytes(path + "\0"))
            Assert.Equal(0, Libc.FchownAt(Libc.AT_FDCWD, p, uid, gid, Libc.AT_SYMLINK_NOFOLLOW));
    }

    private static unsafe byte[] Xattr(string path, string name)
    {
        var buf = new byte[4096];
        nint n;
        fixed (byte* p = Encoding.UTF8.GetBytes(path + "\0"))
        fixed (byte* k = Encoding.UTF8.GetBytes(name + "\0"))
        fixed (byte* b = buf)
            n = Libc.GetXattr(p, k, b, (nuint)buf.Length);
        Assert.True(n > 0, $"no {name} on {path}");
        return buf[..(int)n];
    }
}
