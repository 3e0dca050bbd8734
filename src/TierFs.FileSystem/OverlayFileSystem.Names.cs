using TierFs.Posix;
using TierFs.Fuse;

namespace TierFs.FileSystem;

// Names: lookup/forget and everything that creates, removes or moves a directory entry.
public sealed unsafe partial class OverlayFileSystem
{
    public int Lookup(in FuseContext ctx, ulong parent, FuseName name, ref FuseEntry entry)
    {
        using var p = Use(parent);
        var res = LookupEntry(p.Fd, name.Pointer, ref entry);
        if (res == -Errno.ENOENT && _options.NegativeTimeout > 0)
        {
            // Node id 0 with a timeout: the kernel caches the absence.
            entry = default;
            entry.EntryTimeout = _options.NegativeTimeout;
            return 0;
        }
        return res;
    }

    public void Forget(ulong ino, ulong nlookup) => _table.Forget(ino, nlookup);

    public int MkNod(in FuseContext ctx, ulong parent, FuseName name, uint mode, ulong rdev, ref FuseEntry entry)
    {
        using var p = Use(parent);
        mode = CreationMode(ctx, p.Fd, mode);
        int res;
        using (ThreadCredentials.Creating(ctx.Uid, ctx.Gid))
            res = Libc.MknodAt(p.Fd, name.Pointer, mode, rdev) == 0 ? 0 : Fail();
        return res != 0 ? res : Created(parent, p.Fd, name, ref entry);
    }

    public int MkDir(in FuseContext ctx, ulong parent, FuseName name, uint mode, ref FuseEntry entry)
    {
        using var p = Use(parent);
        mode = CreationMode(ctx, p.Fd, mode);
        int res;
        using (ThreadCredentials.Creating(ctx.Uid, ctx.Gid))
            res = Libc.MkdirAt(p.Fd, name.Pointer, mode) == 0 ? 0 : Fail();
        return res != 0 ? res : Created(parent, p.Fd, name, ref entry);
    }

    public int SymLink(in FuseContext ctx, FuseName target, ulong parent, FuseName name, ref FuseEntry entry)
    {
        using var p = Use(parent);
        int res;
        using (ThreadCredentials.Creating(ctx.Uid, ctx.Gid))
            res = Libc.SymlinkAt(target.Pointer, p.Fd, name.Pointer) == 0 ? 0 : Fail();
        return res != 0 ? res : Created(parent, p.Fd, name, ref entry, target);
    }

    private int Created(ulong parent, int parentFd, FuseName name, ref FuseEntry entry, FuseName? linkTarget = null)
    {
        NameChanged(parent, name, linkTarget);
        return LookupEntry(parentFd, name.Pointer, ref entry);
    }

    public int Link(in FuseContext ctx, ulong ino, ulong newParent, FuseName newName, ref FuseEntry entry)
    {
        using var node = Use(ino);
        using var p = Use(newParent);
        if (Libc.LinkAt(node.Fd, EmptyPath, p.Fd, newName.Pointer, Libc.AT_EMPTY_PATH) != 0) return Fail();
        NameChanged(newParent, newName);
        NameMetadataChanged(p.Fd, newName.Pointer);
        return LookupEntry(p.Fd, newName.Pointer, ref entry);
    }

    public int Unlink(in FuseContext ctx, ulong parent, FuseName name)
    {
        using var p = Use(parent);
        if (StickyRefuses(ctx, p.Fd, name.Pointer) is var refused and not 0) return refused;
        var removed = BeforeRemoval(p.Fd, name.Pointer);
        if (Libc.UnlinkAt(p.Fd, name.Pointer, 0) != 0) return Fail();
        AfterRemoval(removed);
        NameChanged(parent, name);
        return 0;
    }

    public int RmDir(in FuseContext ctx, ulong parent, FuseName name)
    {
        using var p = Use(parent);
        if (StickyRefuses(ctx, p.Fd, name.Pointer) is var refused and not 0) return refused;
        if (Libc.UnlinkAt(p.Fd, name.Pointer, Libc.AT_REMOVEDIR) != 0) return Fail();
        NameChanged(parent, name);
        return 0;
    }

    public int Rename(in FuseContext ctx, ulong parent, FuseName name, ulong newParent, FuseName newName, uint flags)
    {
        using var from = Use(parent);
        using var to = Use(newParent);
        const uint RenameExchange = 2;
        if (StickyRefuses(ctx, from.Fd, name.Pointer) is var refused and not 0) return refused;
        if (StickyRefuses(ctx, to.Fd, newName.Pointer) is var replacing and not 0) return replacing;
        var replaced = (flags & RenameExchange) == 0 ? BeforeRemoval(to.Fd, newName.Pointer) : null;
        if (replaced is { } r && SameInode(from.Fd, name.Pointer, r)) replaced = null; // two names of one file
        if (Libc.RenameAt2(from.Fd, name.Pointer, to.Fd, newName.Pointer, flags) != 0) return Fail();
        AfterRemoval(replaced);
        NameChanged(parent, name);
        NameChanged(newParent, newName);
        NameMetadataChanged(to.Fd, newName.Pointer);
        if ((flags & RenameExchange) != 0) NameMetadataChanged(from.Fd, name.Pointer);
        return 0;
    }

    private const int CAP_FOWNER = 3;

    /// <summary>
    /// A sticky directory's rule, checked again on what the name names now: 0, or EPERM. The kernel
    /// checked it against the file its cached entry names, but the name may name another user's file
    /// by now (removed and made again behind the mount), which root would then remove or replace for
    /// the caller. As the kernel: the caller owns the file or the directory, or has CAP_FOWNER.
    /// </summary>
    private static int StickyRefuses(in FuseContext ctx, int dirFd, byte* name)
    {
        if (ctx.Uid == 0) return 0;
        StatX dir, st;
        if (Libc.Statx(dirFd, EmptyPath, Libc.AT_EMPTY_PATH, StatX.BasicStats, &dir) != 0) return 0; // the call itself will fail
        if ((dir.Mode & Libc.S_ISVTX) == 0 || dir.Uid == ctx.Uid) return 0;
        if (Libc.Statx(dirFd, name, Libc.AT_SYMLINK_NOFOLLOW, StatX.BasicStats, &st) != 0 || st.Uid == ctx.Uid) return 0;
        return ProcessName.HasCapability((int)ctx.Pid, CAP_FOWNER) ? 0 : -Errno.EPERM;
    }

    private static bool SameInode(int dirFd, byte* name, (ulong Dev, ulong Ino) other)
    {
        StatX st;
        return Libc.Statx(dirFd, name, Libc.AT_SYMLINK_NOFOLLOW, StatX.BasicStats, &st) == 0 && st.Dev == other.Dev && st.Ino == other.Ino;
    }

    public int ReadLink(in FuseContext ctx, ulong ino, Span<byte> buffer)
    {
        using var node = Use(ino);
        fixed (byte* b = buffer)
        {
            var n = Libc.ReadlinkAt(node.Fd, EmptyPath, b, (nuint)buffer.Length);
            return n < 0 ? Fail() : (int)n;
        }
    }
}
