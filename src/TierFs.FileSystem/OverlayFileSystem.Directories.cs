using TierFs.Posix;
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
                h.Pending = null;
            }
            if (h.Pending is { } p)
            {
                fixed (byte* name = p.Name)
                    if (!Emit(listing, dirFd, name, p.Ino, p.Type, p.NextOffset)) return 0;
                h.Pending = null;
                h.Offset = p.NextOffset;
            }
            while (true)
            {
                var d = Libc.ReadDir(h.Dir);
                if (d == null)
                {
                    var errno = Libc.Errno();
                    return errno == 0 ? 0 : -errno;
                }
                if (!Emit(listing, dirFd, d->Name, d->Ino, d->Type, d->Off))
                {
                    var len = new ReadOnlySpan<byte>(d->Name, 256).IndexOf((byte)0);
                    h.Pending = new PendingEntry(new ReadOnlySpan<byte>(d->Name, len + 1).ToArray(), d->Ino, d->Type, d->Off);
                    return 0;
                }
                h.Offset = d->Off;
            }
        }
    }

    /// <summary>Adds one entry to the reply; false when the reply is full (the entry is not added).</summary>
    private bool Emit(DirectoryListing listing, int dirFd, byte* name, ulong ino, byte type, long nextOffset)
    {
        var attr = default(FuseAttr);
        attr.Ino = ino;
        attr.Mode = (uint)type << 12;
        if (dirFd < 0) return listing.Add(name, attr, nextOffset);
        if (IsDotOrDotDot(name)) return listing.AddPlus(name, new FuseEntry { Attr = attr }, nextOffset);

        var entry = default(FuseEntry);
        var res = LookupEntry(dirFd, name, ref entry);
        if (res == -Errno.ENOENT) return true; // gone since the listing was read: skip it
        if (res != 0)
        {
            // Cannot look it up now (EACCES, ESTALE, ...): list it all the same, without
            // attributes (node 0), so the kernel asks by name and the caller sees the error.
            entry = new FuseEntry { Attr = attr };
        }
        var added = listing.AddPlus(name, entry, nextOffset);
        if (!added && entry.Ino != 0) _table.Forget(entry.Ino, 1);
        return added;
    }

    private static bool IsDotOrDotDot(byte* name) =>
        name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0));

    public int ReleaseDir(in FuseContext ctx, ulong ino, in FuseFileInfo fi)
    {
        _dirs.Remove(fi.Fh);
        NodeChanged(ino); // listing moved the atime
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
