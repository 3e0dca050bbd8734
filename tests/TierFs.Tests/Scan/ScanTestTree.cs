using System.Text;
using TierFs.Index;
using TierFs.Posix;
using TierFs.Scan;
using TierFs.Records;

namespace TierFs.Tests.Scan;

/// <summary>A scratch backing tree and an index beside it, removed afterwards.</summary>
internal sealed class ScanTestTree : IDisposable
{
    public static readonly IndexOptions Fast = new() { MaxDelay = TimeSpan.FromMilliseconds(20) };

    private readonly bool _holdStill;
    private readonly Dictionary<(ulong Dev, ulong Ino), long> _heldCtime = [];

    /// <param name="holdStill">Before each scan, <see cref="HoldStill"/>: for tests that count a scan's changes exactly.</param>
    public ScanTestTree(bool holdStill = false)
    {
        _holdStill = holdStill;
        Dir = Directory.CreateTempSubdirectory("tierfs-scan-").FullName;
        Root = Path.Combine(Dir, "tree");
        Directory.CreateDirectory(Root);
        DbPath = Path.Combine(Dir, "index.db");
    }

    public string Dir { get; }
    public string Root { get; }
    public string DbPath { get; }

    public string this[string relative] => Path.Combine(Root, relative);

    public TierIndex OpenIndex() => TierIndex.Open(DbPath, Fast);

    public ScanResult Scan(TierIndex index, int threads = 2)
    {
        if (_holdStill) HoldStill();
        return new Scanner(index, new ScanOptions { Threads = threads }).Scan(Root);
    }

    /// <summary>
    /// Keeps the tree still for what the test does not do itself. Another process of the test run
    /// that reads a node moves its atime if it is the first read since the node changed (relatime),
    /// and writeback moves a new file's blocks: a rescan must find such a node changed, but the
    /// tests count only their own changes. So every node new or changed since the last call gets an
    /// atime an hour ahead (after its mtime and ctime and less than a day old: out of relatime's
    /// reach), then the filesystem is synced. Setting the atime moves the ctime: only nodes changed
    /// anyway are touched (by inode, once: hard links share one).
    /// </summary>
    private unsafe void HoldStill()
    {
        var later = new Timespec { Sec = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 3600 };
        var times = stackalloc Timespec[2] { later, new Timespec { Nsec = Libc.UTIME_OMIT } };
        foreach (var relative in Walk())
        {
            var path = relative == "." ? Root : this[relative];
            var st = StatOf(path);
            var key = (st.Dev, st.Ino);
            if (_heldCtime.TryGetValue(key, out var held) && held == FdStat.Ns(st.Ctime)) continue;
            var bytes = Encoding.UTF8.GetBytes(path + "\0");
            fixed (byte* p = bytes)
                if (Libc.UtimensAt(Libc.AT_FDCWD, p, times, Libc.AT_SYMLINK_NOFOLLOW) != 0)
                    throw new IOException($"utimensat {path}: errno {Libc.Errno()}");
            _heldCtime[key] = FdStat.Ns(StatOf(path).Ctime);
        }
        using var sync = System.Diagnostics.Process.Start("sync", ["-f", Root])!;
        if (!sync.WaitForExit(60_000) || sync.ExitCode != 0) throw new IOException("sync -f did not succeed");
    }

    public void File(string relative, string content = "x")
    {
        Directory.CreateDirectory(Path.GetDirectoryName(this[relative])!);
        System.IO.File.WriteAllText(this[relative], content);
    }

    public unsafe void HardLink(string existing, string link)
    {
        var from = Encoding.UTF8.GetBytes(this[existing] + "\0");
        var to = Encoding.UTF8.GetBytes(this[link] + "\0");
        fixed (byte* f = from)
        fixed (byte* t = to)
            if (Libc.LinkAt(Libc.AT_FDCWD, f, Libc.AT_FDCWD, t, 0) != 0)
                throw new IOException($"link {link}: errno {Libc.Errno()}");
    }

    /// <summary>Every path below the root, "." for the root, as the index names them; symlinks not followed.</summary>
    public List<string> Walk()
    {
        var paths = new List<string> { "." };
        var pending = new Stack<DirectoryInfo>([new DirectoryInfo(Root)]);
        while (pending.TryPop(out var dir))
        {
            foreach (var entry in dir.EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0 }))
            {
                paths.Add(Path.GetRelativePath(Root, entry.FullName));
                if (entry is DirectoryInfo sub && sub.LinkTarget is null) pending.Push(sub);
            }
        }
        paths.Sort(StringComparer.Ordinal);
        return paths;
    }

    public static List<string> IndexedPaths(TierIndex index) =>
        index.Query("SELECT path FROM files").Rows.Select(r => (string)r[0]!).OrderBy(p => p, StringComparer.Ordinal).ToList();

    /// <summary>Everything the index knows of the tree but its row ids: to compare two indexes of one tree.</summary>
    public static List<string> Dump(TierIndex index) =>
        index.Query(
            "SELECT path, type, inode, dev, nlink, size, blocks, mode, uid, gid, atime, mtime, ctime, target, " +
            "state, flags, pair, object_key, file_id, generation, checksum, archived_at, released_at FROM files ORDER BY path")
            .Rows.Select(r => string.Join("|", r.Select(v => v?.ToString() ?? "∅"))).ToList();

    /// <summary>Writes a stub record on a file as the engine does (the xattr only; data untouched).</summary>
    public unsafe void SetRecord(string relative, StubRecord record)
    {
        var value = StubXattr.Encode(record);
        var path = Encoding.UTF8.GetBytes(this[relative] + "\0");
        var name = Encoding.ASCII.GetBytes(StubXattr.Name + "\0");
        fixed (byte* p = path)
        fixed (byte* n = name)
        fixed (byte* v = value)
            if (Libc.SetXattr(p, n, v, (nuint)value.Length, 0) != 0)
                throw new IOException($"setxattr {relative}: errno {Libc.Errno()}");
    }

    public static StubRecord Record(string state, string id, long size) => new()
    {
        State = state,
        FileId = id,
        ObjectKey = $"data/{id}/1",
        Checksum = "9e107d9d372bb6826bd81d3542a419d6-1",
        PartSize = 16 << 20,
        Size = size,
        MtimeNs = 1_700_000_000_123_456_789,
        Pair = "heb",
        ArchivedAtMs = 1_763_700_000_000,
    };

    /// <summary>The file's mtime in ns, as a stub record holds it (a stub's record and file agree on it).</summary>
    public static long MtimeNs(string path)
    {
        var st = StatOf(path);
        return st.Mtime.Sec * 1_000_000_000 + st.Mtime.Nsec;
    }

    public static FileKey KeyOf(string path)
    {
        var st = StatOf(path);
        return new FileKey(st.Dev, st.Ino);
    }

    private static unsafe StatX StatOf(string path)
    {
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        StatX st;
        fixed (byte* p = bytes)
            if (Libc.Statx(Libc.AT_FDCWD, p, Libc.AT_SYMLINK_NOFOLLOW, StatX.BasicStats, &st) != 0)
                throw new IOException($"statx {path}: errno {Libc.Errno()}");
        return st;
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}
