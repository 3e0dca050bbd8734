using System.Text;
using TierFs.Posix;
using TierFs.Records;

namespace TierFs.Namespace.Import;

/// <summary>
/// Rebuilds a tree of stubs from a loaded namespace into a target directory: directories, symlinks,
/// hard links, every archived file as a released stub (the engine's record, its size, mode, owner
/// and times: a mount of the target recalls it on open). The namespace is untrusted input: every
/// name is checked to be one path component (no '/', NUL, "." or ".."), every object is created by
/// name relative to a descriptor of its directory opened with O_NOFOLLOW (so no symlink, planted
/// or imported, is ever followed on the way), only directories have children, and a symlink whose
/// target is absolute or climbs out of the target is refused. Nothing is written outside the target.
/// The target may be writable by others, who can rename entries onto a name between two calls: what
/// is made is never handed over by name. A file is set up through the descriptor that made it; a
/// symlink or fifo is made as its owner (<see cref="ThreadCredentials.Creating"/>), a directory as
/// root 0700 until its entries are in, and each is opened again only through <see cref="JustMade"/>.
/// </summary>
public sealed unsafe class TreeImporter(NamespaceTree tree, ImportOptions options)
{
    private const int DirFlags = Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC;
    private static readonly byte[] StubName = Encoding.ASCII.GetBytes(StubXattr.Name + "\0");
    private static readonly byte[] Empty = [0];

    private readonly ImportSummary _summary = new();
    // Inodes with more names still to make: the first name's O_PATH descriptor and how many remain.
    private readonly Dictionary<long, (int Fd, int Left)> _links = [];
    private Dictionary<long, int> _namesPerIno = [];
    private long _done;

    /// <summary>Imports into <paramref name="target"/> (an existing directory). Throws <see cref="ImportRefusedException"/> before writing anything when it cannot start.</summary>
    public ImportSummary Run(string target)
    {
        if (tree.Root is not { } root) throw new ImportRefusedException("the namespace has no root entry");
        if (root.Type != NsEntry.TypeDir) throw new ImportRefusedException("the namespace's root is not a directory");
        int rootFd;
        fixed (byte* p = Z(target)) rootFd = Libc.OpenAt(Libc.AT_FDCWD, p, DirFlags, 0);
        if (rootFd < 0) throw new ImportRefusedException($"{target}: {(Libc.Errno() == Errno.ENOENT ? "no such directory" : $"cannot open it as a directory (errno {Libc.Errno()})")}");
        try
        {
            if (!options.Merge && !TargetIsEmpty(rootFd))
                throw new ImportRefusedException($"{target} is not empty: import into an empty directory, or add --merge to add the namespace's entries to it");
            _namesPerIno = tree.AllNodes.Where(e => e.Type == NsEntry.TypeFile).GroupBy(e => e.Ino).Where(g => g.Count() > 1).ToDictionary(g => g.Key, g => g.Count());
            ImportDirectory(rootFd, root, "", depth: 0);
            if (!options.Merge) SetAttributes(rootFd, root, isDir: true, "/");
            return _summary;
        }
        finally
        {
            foreach (var (fd, _) in _links.Values) Libc.Close(fd);
            Libc.Close(rootFd);
        }
    }

    private void ImportDirectory(int dirFd, NsEntry dir, string path, int depth)
    {
        if (depth > 4096)
        {
            Refuse(path, "deeper than 4096 levels");
            return;
        }
        foreach (var child in tree.List(dir.Id))
        {
            var childPath = path.Length == 0 ? child.Name : path + "/" + child.Name;
            Tick();
            if (NameProblem(child.Name) is { } bad)
            {
                Refuse(Show(path, child.Name), bad);
                continue;
            }
            try
            {
                switch (child.Type)
                {
                    case NsEntry.TypeDir: Directory(dirFd, child, childPath, depth); break;
                    case NsEntry.TypeSymlink: Symlink(dirFd, child, childPath, depth); break;
                    case NsEntry.TypeFile: File(dirFd, child, childPath); break;
                    default: Other(dirFd, child, childPath); break;
                }
            }
            catch (IOException e)
            {
                _summary.Failed++;
                options.Problem($"{childPath}: {e.Message}");
            }
        }
    }

    private void Directory(int parentFd, NsEntry e, string path, int depth)
    {
        var made = false;
        fixed (byte* name = Z(e.Name))
        {
            if (Libc.MkdirAt(parentFd, name, 0x1C0) == 0) made = true;
            else if (Libc.Errno() != Errno.EEXIST || !options.Merge) throw Fail("cannot create the directory");
            // An existing directory is entered as it is (--merge); one made here must still be it.
            var fd = made ? JustMade.Directory(parentFd, name) : Libc.OpenAt(parentFd, name, DirFlags, 0);
            if (fd < 0)
            {
                // An existing name that is not a directory (or is a symlink: O_NOFOLLOW) is never entered.
                Refuse(path, "exists in the target and is not a directory; its entries are not imported");
                return;
            }
            try
            {
                if (made) _summary.Directories++;
                else _summary.Existing++;
                ImportDirectory(fd, e, path, depth + 1);
                // Last: creating the children moved its mtime.
                if (made) SetAttributes(fd, e, isDir: true, path);
            }
            finally
            {
                Libc.Close(fd);
            }
        }
    }

    private void Symlink(int parentFd, NsEntry e, string path, int depth)
    {
        var target = e.Target ?? "";
        if (TargetProblem(target, depth) is { } bad)
        {
            Refuse(path, bad);
            return;
        }
        if (tree.List(e.Id).Count > 0) Refuse(path, "a symlink with entries below it: they are not imported");
        fixed (byte* t = Z(target))
        fixed (byte* name = Z(e.Name))
        {
            int made, errno;
            using (ThreadCredentials.Creating((uint)e.Uid, (uint)e.Gid))
                errno = (made = Libc.SymlinkAt(t, parentFd, name)) == 0 ? 0 : Libc.Errno();
            if (made != 0)
            {
                if (errno == Errno.EEXIST && options.Merge)
                {
                    _summary.Existing++;
                    return;
                }
                throw new IOException($"cannot create the symlink: errno {errno}");
            }
            _summary.Symlinks++;
            var fd = JustMade.Node(parentFd, name, Libc.S_IFLNK, (uint)e.Uid, "symlink", "group and times");
            try
            {
                fixed (byte* none = Empty)
                {
                    // A set-gid directory gave it its own group.
                    if (FdStat.Of(fd).Gid != (uint)e.Gid && Libc.FchownAt(fd, none, (uint)e.Uid, (uint)e.Gid, Libc.AT_EMPTY_PATH) != 0)
                        throw Fail("cannot set the symlink's group");
                    var tv = stackalloc Timespec[2];
                    tv[0] = Timespec.FromNs(e.AtimeNs);
                    tv[1] = Timespec.FromNs(e.MtimeNs);
                    if (Libc.UtimensAt(fd, none, tv, Libc.AT_EMPTY_PATH | Libc.AT_SYMLINK_NOFOLLOW) != 0) throw Fail("cannot set the symlink's times");
                }
            }
            finally
            {
                Libc.Close(fd);
            }
        }
    }

    private void File(int parentFd, NsEntry e, string path)
    {
        if (tree.List(e.Id).Count > 0) Refuse(path, "a file with entries below it: they are not imported");
        var archived = e.DataIsRemote;
        if (!archived)
        {
            _summary.Unarchived++;
            options.Unarchived(path);
            if (!options.IncludeUnarchived) return;
        }
        fixed (byte* name = Z(e.Name))
        {
            // A second name of an inode made already: a hard link to it.
            if (_links.TryGetValue(e.Ino, out var first))
            {
                int linked;
                fixed (byte* none = Empty) linked = Libc.LinkAt(first.Fd, none, parentFd, name, Libc.AT_EMPTY_PATH);
                if (linked != 0)
                {
                    if (Libc.Errno() != Errno.EEXIST || !options.Merge) throw Fail("cannot create the hard link");
                    _summary.Existing++;
                }
                else _summary.HardLinks++;
                if (--first.Left <= 0)
                {
                    Libc.Close(first.Fd);
                    _links.Remove(e.Ino);
                }
                else _links[e.Ino] = first;
                return;
            }
            var fd = Libc.OpenAt(parentFd, name, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_EXCL | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0x180);
            if (fd < 0)
            {
                if (Libc.Errno() == Errno.EEXIST && options.Merge)
                {
                    _summary.Existing++;
                    return;
                }
                throw Fail("cannot create the file");
            }
            try
            {
                if (archived)
                {
                    var record = e.Record! with
                    {
                        State = StubRecord.StateReleased,
                        Dirty = false,
                        Recalling = false,
                        ReleasedAtMs = e.Record!.ReleasedAtMs != 0 ? e.Record.ReleasedAtMs : DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                        CtimeNs = e.CtimeNs,
                    };
                    // The stub: the record first, then the size as a hole (no data block at all).
                    var value = StubXattr.Encode(record);
                    fixed (byte* n = StubName)
                    fixed (byte* v = value)
                        if (Libc.FSetXattr(fd, n, v, (nuint)value.Length, 0) != 0) throw Fail("cannot write the stub record");
                    if (Libc.Ftruncate(fd, record.Size) != 0) throw Fail("cannot set the stub's size");
                    _summary.Stubs++;
                    _summary.StubBytes += record.Size;
                    SetAttributes(fd, e with { MtimeNs = record.MtimeNs }, isDir: false, path);
                }
                else
                {
                    _summary.UnarchivedCreated++;
                    SetAttributes(fd, e with { Xattrs = e.Xattrs }, isDir: false, path);
                }
                if (_namesPerIno.TryGetValue(e.Ino, out var names)) _links[e.Ino] = (KeepForLinks(fd), names - 1);
            }
            finally
            {
                Libc.Close(fd);
            }
        }
    }

    private void Other(int parentFd, NsEntry e, string path)
    {
        const long SIfifo = 0x1000;
        if ((e.Mode & 0xF000) != SIfifo)
        {
            options.Problem($"{path}: a device or socket: not imported (the namespace holds no device numbers)");
            return;
        }
        fixed (byte* name = Z(e.Name))
        {
            int made, errno;
            using (ThreadCredentials.Creating((uint)e.Uid, (uint)e.Gid))
                errno = (made = Libc.MknodAt(parentFd, name, (uint)(SIfifo | 0x180), 0)) == 0 ? 0 : Libc.Errno();
            if (made != 0)
            {
                if (errno == Errno.EEXIST && options.Merge) { _summary.Existing++; return; }
                throw new IOException($"cannot create the fifo: errno {errno}");
            }
            var fd = JustMade.Node(parentFd, name, (uint)SIfifo, (uint)e.Uid, "fifo", "group and mode");
            try { SetAttributes(fd, e, isDir: false, path, pathFd: true); }
            finally { Libc.Close(fd); }
            _summary.Others++;
        }
    }

    // Owner first (a chown clears set-id bits), then the mode, user.* xattrs, and the times last.
    private void SetAttributes(int fd, NsEntry e, bool isDir, string path, bool pathFd = false)
    {
        fixed (byte* none = Empty)
        {
            if (Libc.FchownAt(fd, none, (uint)e.Uid, (uint)e.Gid, Libc.AT_EMPTY_PATH) != 0) throw Fail("cannot set the owner");
            if (!pathFd && Libc.Fchmod(fd, (uint)(e.Mode & 0xFFF)) != 0) throw Fail("cannot set the mode");
            if (pathFd && ChmodPath(fd, (uint)(e.Mode & 0xFFF)) != 0) throw Fail("cannot set the mode");
        }
        foreach (var x in e.Xattrs)
        {
            if (!x.Name.StartsWith("user.", StringComparison.Ordinal) || x.Name.Length > 255 || x.Name.Contains('\0'))
            {
                options.Problem($"{(path.Length == 0 ? "/" : path)}: xattr '{x.Name.Replace('\0', '?')}' refused: only user.* names are imported");
                continue;
            }
            if (pathFd) continue;
            fixed (byte* n = Z(x.Name))
            fixed (byte* v = x.Value)
                if (Libc.FSetXattr(fd, n, v, (nuint)x.Value.Length, 0) != 0) throw Fail($"cannot set the xattr {x.Name}");
        }
        if (pathFd) return;
        var tv = stackalloc Timespec[2];
        tv[0] = Timespec.FromNs(e.AtimeNs);
        tv[1] = Timespec.FromNs(e.MtimeNs);
        if (Libc.Futimens(fd, tv) != 0) throw Fail("cannot set the times");
        _ = isDir;
    }

    /// <summary>Why a name cannot be one entry of a directory, or null.</summary>
    public static string? NameProblem(string name)
    {
        if (name.Length == 0) return "an empty name";
        if (name is "." or "..") return $"the name '{name}'";
        if (name.Contains('/')) return "a '/' in a name (an entry is one path component)";
        if (name.Contains('\0')) return "a NUL in a name";
        if (Encoding.UTF8.GetByteCount(name) > 255) return "a name longer than 255 bytes";
        return null;
    }

    /// <summary>
    /// Why a symlink's target would lead out of the target directory, or null: an absolute target, or
    /// one whose ".." climb above the root (the link lives <paramref name="depth"/> directories down).
    /// Checked on the text, as a later resolution of the link would walk it.
    /// </summary>
    public static string? TargetProblem(string target, int depth)
    {
        if (target.Length == 0) return "a symlink with an empty target";
        if (target.Contains('\0')) return "a NUL in a symlink's target";
        if (target.StartsWith('/')) return $"a symlink to an absolute path ({target}): it would lead outside the target";
        var level = depth;
        foreach (var part in target.Split('/'))
        {
            if (part is "" or ".") continue;
            level += part == ".." ? -1 : 1;
            if (level < 0) return $"a symlink whose target ({target}) climbs out of the target";
        }
        return null;
    }

    private void Refuse(string path, string why)
    {
        _summary.Refused++;
        options.Problem($"{(path.Length == 0 ? "/" : path)}: refused: {why}");
    }

    private static string Show(string dir, string name) =>
        (dir.Length == 0 ? "" : dir + "/") + name.Replace("\0", "\\0", StringComparison.Ordinal);

    private void Tick()
    {
        if (++_done % 1000 == 0) options.Progress?.Invoke(_done, tree.Count);
    }

    private static bool TargetIsEmpty(int dirFd)
    {
        try { return EmptyDirectory.Is(dirFd); }
        catch (IOException e) { throw new ImportRefusedException($"cannot list the target ({e.Message})"); }
    }

    // The first name's file, for linkat(AT_EMPTY_PATH) of the others: an O_PATH descriptor reached
    // through the one that made it (/proc/self/fd), not through its name, which others may have swapped.
    private static int KeepForLinks(int fd)
    {
        var proc = stackalloc byte[ProcFd.BufferSize];
        var pathFd = Libc.OpenAt(Libc.AT_FDCWD, ProcFd.Format(fd, proc), Libc.O_PATH | Libc.O_CLOEXEC, 0);
        if (pathFd < 0) throw Fail("cannot keep the file for its other names");
        var (made, kept) = (FdStat.Of(fd), FdStat.Of(pathFd));
        if (made.Dev == kept.Dev && made.Ino == kept.Ino) return pathFd;
        Libc.Close(pathFd);
        throw new IOException("cannot keep the file for its other names: /proc/self/fd led elsewhere");
    }

    // chmod of an O_PATH descriptor's file: fchmodat(AT_EMPTY_PATH) is refused by glibc, the /proc path is not.
    private static int ChmodPath(int fd, uint mode)
    {
        var proc = stackalloc byte[ProcFd.BufferSize];
        return Libc.FchmodAt(Libc.AT_FDCWD, ProcFd.Format(fd, proc), mode, 0);
    }

    private static IOException Fail(string what) => new($"{what}: errno {Libc.Errno()}");

    private static byte[] Z(string s)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }
}

/// <summary>An import that cannot start (the target, the namespace): one line, bad input.</summary>
public sealed class ImportRefusedException(string message) : Exception(message);
