using TierFs.Fuse;
using TierFs.Posix;

namespace TierFs.FileSystem;

// The data path's questions to the tiering layer (no-ops without one).
public sealed unsafe partial class OverlayFileSystem
{
    /// <summary>Before data access or truncation: a stub's data comes back first. 0 or a negative errno.</summary>
    private int MakeLocal(in FuseContext ctx, Inode node, int fd, bool truncatingToZero, bool truncate = false)
    {
        if (_gate is null || node.Type != Libc.S_IFREG) return 0;
        if (!node.MayBeTiered && !_gate.MayBeTiered(node.Dev, node.Ino, default)) return 0;
        StatX st;
        if (Libc.Statx(fd, EmptyPath, Libc.AT_EMPTY_PATH, StatX.BasicStats, &st) != 0) return Fail();
        return _gate.MakeLocal(fd, st, truncatingToZero, new StubOpener((int)ctx.Pid, ctx.Uid, ctx.Gid, truncate));
    }

    /// <summary>
    /// Before a plain open (no truncation): <see cref="MakeLocal"/> as a task, which the open may
    /// answer later instead of holding its FUSE thread; a completed task when nothing waits.
    /// <paramref name="tiered"/>: the file may be tiered, so a read-only handle of it may have been
    /// answered while its recall still runs (its reads must ask the gate until the file is whole).
    /// </summary>
    private Task<int> MakeLocalLater(in FuseContext ctx, Inode node, int fd, bool streaming, out bool tiered)
    {
        tiered = false;
        if (_gate is null || node.Type != Libc.S_IFREG) return Task.FromResult(0);
        if (!node.MayBeTiered && !_gate.MayBeTiered(node.Dev, node.Ino, default)) return Task.FromResult(0);
        tiered = true;
        StatX st;
        if (Libc.Statx(fd, EmptyPath, Libc.AT_EMPTY_PATH, StatX.BasicStats, &st) != 0) return Task.FromResult(Fail());
        return _gate.MakeLocalLater(fd, st, new StubOpener((int)ctx.Pid, ctx.Uid, ctx.Gid, Truncate: false), streaming);
    }

    /// <summary>Data is about to change through an open handle: an archived copy becomes stale.</summary>
    private void DataChanging(Inode? node, int fh)
    {
        if (_gate is not null && node is not null) _gate.DataChanging(fh, node.Dev, node.Ino);
    }

    /// <summary>After a metadata change through the mount on a node (ctime moves).</summary>
    private void MetadataChanged(Inode node, int fd)
    {
        if (_gate is null || node.Type != Libc.S_IFREG) return;
        StatX st;
        if (Libc.Statx(fd, EmptyPath, Libc.AT_EMPTY_PATH, StatX.BasicStats, &st) != 0) return;
        if (node.MayBeTiered || _gate.MayBeTiered(st.Dev, st.Ino, st)) _gate.MetadataChanged(fd, st);
    }

    /// <summary>After a rename or link through the mount: the file now under <paramref name="name"/> got a new ctime.</summary>
    private void NameMetadataChanged(int dirFd, byte* name)
    {
        if (_gate is null) return;
        StatX st;
        if (Libc.Statx(dirFd, name, Libc.AT_SYMLINK_NOFOLLOW, StatX.BasicStats, &st) != 0) return;
        if (!Attr.IsRegular(st.Mode) || !_gate.MayBeTiered(st.Dev, st.Ino, st)) return;
        var fd = Libc.OpenAt(dirFd, name, Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
        if (fd < 0) return;
        _gate.MetadataChanged(fd, st);
        Libc.Close(fd);
    }

    /// <summary>
    /// Before a name is removed (unlink, or replaced by rename): if it is the last name of a
    /// tiered file, returns its identity so that <see cref="AfterRemoval"/> can let its remote copy go.
    /// </summary>
    private (ulong Dev, ulong Ino)? BeforeRemoval(int dirFd, byte* name)
    {
        if (_gate is null) return null;
        StatX st;
        if (Libc.Statx(dirFd, name, Libc.AT_SYMLINK_NOFOLLOW, StatX.BasicStats, &st) != 0) return null;
        if (!Attr.IsRegular(st.Mode) || st.Nlink != 1 || !_gate.MayBeTiered(st.Dev, st.Ino, st)) return null;
        // An uncached stub's record is needed to know its remote object: read it now, from the
        // file stat named. Another file renamed onto the name meanwhile (behind the mount) would
        // have its record taken for this one's: then nothing is forgotten (at worst an object is
        // left on the remote, which verify reports), never another file's object queued for deletion.
        var fd = Libc.OpenAt(dirFd, name, Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
        if (fd < 0) return (st.Dev, st.Ino);
        StatX opened;
        var same = Libc.Statx(fd, EmptyPath, Libc.AT_EMPTY_PATH, StatX.BasicStats, &opened) == 0 && opened.Dev == st.Dev && opened.Ino == st.Ino;
        if (same) _gate.Removing(fd, st);
        Libc.Close(fd);
        return same ? (st.Dev, st.Ino) : null;
    }

    private void AfterRemoval((ulong Dev, ulong Ino)? removed)
    {
        if (removed is { } r) _gate!.Unlinked(r.Dev, r.Ino);
    }

    /// <summary>The tiering layer's own xattrs are neither shown nor changeable through the mount.</summary>
    private bool IsPrivate(FuseName name) => _gate is not null && _gate.IsPrivateXattr(name.Span);
}
