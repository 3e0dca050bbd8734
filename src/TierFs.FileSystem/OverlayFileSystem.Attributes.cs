using TierFs.Posix;
using TierFs.Fuse;

namespace TierFs.FileSystem;

// Attributes: getattr/setattr, statfs, access and extended attributes.
public sealed unsafe partial class OverlayFileSystem
{
    public int GetAttr(in FuseContext ctx, ulong ino, in FuseFileInfo fi, ref FuseAttr attr, ref double timeout)
    {
        timeout = _options.AttrTimeout;
        if (!fi.HasHandle) return StatNode(Node(ino), ref attr);
        // An open file answers through its own descriptor (also once unlinked).
        StatX st;
        if (Libc.Statx((int)fi.Fh, EmptyPath, Libc.AT_EMPTY_PATH, StatX.BasicStats, &st) != 0) return Fail();
        Present(Node(ino), (int)fi.Fh, st, ref attr);
        return 0;
    }

    public int SetAttr(in FuseContext ctx, ulong ino, in FuseAttr values, SetAttrFlags toSet, in FuseFileInfo fi, ref FuseAttr attr, ref double timeout)
    {
        var node = Node(ino);
        try
        {
            return SetAttr(ctx, node, values, toSet, fi, ref attr, ref timeout);
        }
        finally
        {
            NodeChanged(node); // also after a failure part way: an earlier change may have gone through
        }
    }

    private int SetAttr(in FuseContext ctx, Inode node, in FuseAttr values, SetAttrFlags toSet, in FuseFileInfo fi, ref FuseAttr attr, ref double timeout)
    {
        using var nfd = _table.Use(node);
        var fh = fi.HasHandle ? (int)fi.Fh : -1;
        var path = stackalloc byte[ProcFd.BufferSize];
        ProcFd.Format(nfd.Fd, path);

        if ((toSet & SetAttrFlags.Mode) != 0)
        {
            if (Attr.IsSymlink(node.Type)) return -Errno.EOPNOTSUPP;
            var res = fh >= 0 ? Libc.Fchmod(fh, values.Mode) : Libc.FchmodAt(Libc.AT_FDCWD, path, values.Mode, 0);
            if (res != 0) return Fail();
        }
        if ((toSet & (SetAttrFlags.Uid | SetAttrFlags.Gid)) != 0)
        {
            var uid = (toSet & SetAttrFlags.Uid) != 0 ? values.Uid : uint.MaxValue;
            var gid = (toSet & SetAttrFlags.Gid) != 0 ? values.Gid : uint.MaxValue;
            if (Libc.FchownAt(nfd.Fd, EmptyPath, uid, gid, Libc.AT_EMPTY_PATH | Libc.AT_SYMLINK_NOFOLLOW) != 0) return Fail();
        }
        if ((toSet & SetAttrFlags.Size) != 0)
        {
            // Like an open for writing: counted first, so that a release cannot slip in between.
            node.Opened(forWrite: true);
            try
            {
                var local = MakeLocal(ctx, node, nfd.Fd, truncatingToZero: values.Size == 0, truncate: true);
                if (local != 0) return local;
                _gate?.DataChanging(nfd.Fd, node.Dev, node.Ino);
                var res = fh >= 0 ? Libc.Ftruncate(fh, (long)values.Size) : Libc.Truncate(path, (long)values.Size);
                if (res != 0) return Fail();
            }
            finally
            {
                node.Closed(forWrite: true);
            }
        }
        if ((toSet & (SetAttrFlags.Atime | SetAttrFlags.Mtime | SetAttrFlags.AtimeNow | SetAttrFlags.MtimeNow)) != 0)
        {
            var tv = stackalloc Timespec[2];
            tv[0] = Time(toSet, SetAttrFlags.Atime, SetAttrFlags.AtimeNow, values.AtimeSec, values.AtimeNsec);
            tv[1] = Time(toSet, SetAttrFlags.Mtime, SetAttrFlags.MtimeNow, values.MtimeSec, values.MtimeNsec);
            int res;
            if (fh >= 0) res = Libc.Futimens(fh, tv);
            else if (Attr.IsSymlink(node.Type)) res = Libc.UtimensAt(nfd.Fd, EmptyPath, tv, Libc.AT_EMPTY_PATH);
            else res = Libc.UtimensAt(Libc.AT_FDCWD, path, tv, 0);
            if (res != 0) return Fail();
        }
        if ((toSet & ~SetAttrFlags.Size) != 0) MetadataChanged(node, nfd.Fd);
        timeout = _options.AttrTimeout;
        return StatNode(node, ref attr);
    }

    private static Timespec Time(SetAttrFlags toSet, SetAttrFlags set, SetAttrFlags now, long sec, long nsec)
    {
        if ((toSet & now) != 0) return new Timespec { Sec = 0, Nsec = Libc.UTIME_NOW };
        if ((toSet & set) != 0) return new Timespec { Sec = sec, Nsec = nsec };
        return new Timespec { Sec = 0, Nsec = Libc.UTIME_OMIT };
    }

    public int StatFs(in FuseContext ctx, ulong ino, ref FuseStatVfs stat)
    {
        StatVfs v;
        using var node = Use(ino);
        if (Libc.Fstatvfs(node.Fd, &v) != 0) return Fail();
        stat.BlockSize = v.Bsize;
        stat.FragmentSize = v.Frsize;
        stat.Blocks = v.Blocks;
        stat.BlocksFree = v.Bfree;
        stat.BlocksAvailable = v.Bavail;
        stat.Files = v.Files;
        stat.FilesFree = v.Ffree;
        stat.FilesAvailable = v.Favail;
        stat.FsId = v.Fsid;
        stat.Flags = v.Flag;
        stat.NameMax = v.Namemax;
        return 0;
    }

    public int Access(in FuseContext ctx, ulong ino, int mask)
    {
        var path = stackalloc byte[ProcFd.BufferSize];
        using var node = Use(ino);
        return Libc.FaccessAt(Libc.AT_FDCWD, ProcFd.Format(node.Fd, path), mask, 0) == 0 ? 0 : Fail();
    }

    // Extended attributes go through /proc/self/fd/N: the xattr calls do not take O_PATH fds.
    // A symlink's /proc path would follow the link, so symlinks have none (as user.* allows).

    public int GetXattr(in FuseContext ctx, ulong ino, FuseName name, Span<byte> buffer)
    {
        var node = Node(ino);
        if (Attr.IsSymlink(node.Type) || IsPrivate(name)) return -Errno.ENODATA;
        var path = stackalloc byte[ProcFd.BufferSize];
        using var nfd = _table.Use(node);
        fixed (byte* b = buffer)
        {
            var n = Libc.GetXattr(ProcFd.Format(nfd.Fd, path), name.Pointer, b, (nuint)buffer.Length);
            return n < 0 ? Fail() : (int)n;
        }
    }

    public int ListXattr(in FuseContext ctx, ulong ino, Span<byte> buffer)
    {
        var node = Node(ino);
        if (Attr.IsSymlink(node.Type)) return 0;
        var path = stackalloc byte[ProcFd.BufferSize];
        using var nfd = _table.Use(node);
        ProcFd.Format(nfd.Fd, path);
        if (_gate is not null) return ListPublicXattrs(path, buffer);
        fixed (byte* b = buffer)
        {
            var n = Libc.ListXattr(path, b, (nuint)buffer.Length);
            return n < 0 ? Fail() : (int)n;
        }
    }

    /// <summary>The xattr list without the tiering layer's own names (also for the length-only query).</summary>
    private int ListPublicXattrs(byte* path, Span<byte> buffer)
    {
        var needed = Libc.ListXattr(path, null, 0);
        if (needed <= 0) return needed < 0 ? Fail() : 0;
        var all = new byte[needed];
        nint n;
        fixed (byte* a = all) n = Libc.ListXattr(path, a, (nuint)all.Length);
        if (n < 0) return Fail();
        var length = 0;
        foreach (var range in all.AsSpan(0, (int)n).Split((byte)0))
        {
            var entry = all.AsSpan(0, (int)n)[range];
            if (entry.IsEmpty || _gate!.IsPrivateXattr(entry)) continue;
            if (!buffer.IsEmpty)
            {
                if (length + entry.Length + 1 > buffer.Length) return -Errno.ERANGE;
                entry.CopyTo(buffer[length..]);
                buffer[length + entry.Length] = 0;
            }
            length += entry.Length + 1;
        }
        return length;
    }

    public int SetXattr(in FuseContext ctx, ulong ino, FuseName name, ReadOnlySpan<byte> value, int flags)
    {
        var node = Node(ino);
        if (Attr.IsSymlink(node.Type) || IsPrivate(name)) return -Errno.EPERM;
        var path = stackalloc byte[ProcFd.BufferSize];
        using var nfd = _table.Use(node);
        fixed (byte* v = value)
            if (Libc.SetXattr(ProcFd.Format(nfd.Fd, path), name.Pointer, v, (nuint)value.Length, flags) != 0) return Fail();
        NodeChanged(node); // the ctime moved
        return 0;
    }

    public int RemoveXattr(in FuseContext ctx, ulong ino, FuseName name)
    {
        var node = Node(ino);
        if (Attr.IsSymlink(node.Type)) return -Errno.ENODATA;
        if (IsPrivate(name)) return -Errno.EPERM;
        var path = stackalloc byte[ProcFd.BufferSize];
        using var nfd = _table.Use(node);
        if (Libc.RemoveXattr(ProcFd.Format(nfd.Fd, path), name.Pointer) != 0) return Fail();
        NodeChanged(node); // the ctime moved
        return 0;
    }
}
