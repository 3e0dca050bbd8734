using TierFs.FileSystem.Posix;
using TierFs.Fuse;

namespace TierFs.FileSystem;

// Directories: a libc DIR stream per open handle; readdirplus looks each entry up.
public sealed unsafe partial class OverlayFileSystem
{
    private readonly DirectoryHandles _dirs = new();

    public int OpenDir(in FuseContext ctx, ulong ino, ref FuseFileInfo fi)
    {
        int fd;
        using (var node = Use(ino))
            fd = Libc.OpenAt(node.Fd, DotPath, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        if (fd < 0) return Fail();
        var dir = Libc.FdOpenDir(fd);
        if (dir == IntPtr.Zero)
        {
            var err = Fail();
            Libc.Close(fd);
            return err;
        }
        fi.Fh = _dirs.Add(dir);
        return 0;
    }

    public int ReadDir(in FuseContext ctx, ulong ino, in FuseFileInfo fi, long offset, DirectoryListing listing)
    {
        var h = _dirs.Get(fi.Fh);
        if (h is null) return -Errno.EBADF;
        lock (h.Gate)
        {
            // readdirplus looks entries up relative to the open directory's own descriptor.
            var dirFd = listing.Plus ? Libc.DirFd(h.Dir) : -1;
            if (offset != h.Offset)
            {
                Libc.SeekDir(h.Dir, offset);
                h.Offset = offset;
            }
            while (true)
            {
                var d = Libc.ReadDir(h.Dir);
                if (d == null)
                {
                    var errno = Libc.Errno();
                    return errno == 0 ? 0 : -errno;
                }
                var name = d->Name;
                bool added;
                if (dirFd >= 0 && !IsDotOrDotDot(name))
                {
                    var entry = default(FuseEntry);
                    var res = LookupEntry(dirFd, name, ref entry);
                    if (res == -Errno.ENOENT)
                    {
                        h.Offset = d->Off; // gone since the listing was read: skip it
                        continue;
                    }
                    if (res != 0)
                    {
                        // Cannot look it up now (EMFILE, EACCES, ...): list it all the same, without
                        // attributes (node 0), so the kernel asks by name and the caller sees the error.
                        entry = default;
                        entry.Attr.Ino = d->Ino;
                        entry.Attr.Mode = (uint)d->Type << 12;
                    }
                    added = listing.AddPlus(name, entry, d->Off);
                    if (!added && entry.Ino != 0) _table.Forget(entry.Ino, 1);
                }
                else
                {
                    var attr = default(FuseAttr);
                    attr.Ino = d->Ino;
                    attr.Mode = (uint)d->Type << 12;
                    added = dirFd >= 0
                        ? listing.AddPlus(name, new FuseEntry { Attr = attr }, d->Off)
                        : listing.Add(name, attr, d->Off);
                }
                if (!added)
                {
                    h.Offset = -1; // the stream is one entry ahead of the reply
                    return 0;
                }
                h.Offset = d->Off;
            }
        }
    }

    private static bool IsDotOrDotDot(byte* name) =>
        name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0));

    public int ReleaseDir(in FuseContext ctx, ulong ino, in FuseFileInfo fi)
    {
        _dirs.Remove(fi.Fh);
        return 0;
    }

    public int FsyncDir(in FuseContext ctx, ulong ino, bool dataOnly, in FuseFileInfo fi)
    {
        var h = _dirs.Get(fi.Fh);
        if (h is null) return -Errno.EBADF;
        var path = stackalloc byte[ProcFd.BufferSize];
        int fd;
        using (var node = Use(ino))
            fd = Libc.OpenAt(Libc.AT_FDCWD, ProcFd.Format(node.Fd, path), Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        if (fd < 0) return Fail();
        var res = (dataOnly ? Libc.Fdatasync(fd) : Libc.Fsync(fd)) == 0 ? 0 : Fail();
        Libc.Close(fd);
        return res;
    }
}
