using TierFs.FileSystem.Posix;
using TierFs.Fuse;

namespace TierFs.FileSystem;

// Names: lookup/forget and everything that creates, removes or moves a directory entry.
public sealed unsafe partial class OverlayFileSystem
{
    public int Lookup(in FuseContext ctx, ulong parent, FuseName name, ref FuseEntry entry)
    {
        var res = LookupEntry(Node(parent), name.Pointer, ref entry);
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
        var p = Node(parent);
        mode = CreationMode(ctx, p, mode);
        if (Libc.MknodAt(p.Fd, name.Pointer, mode, rdev) != 0) return Fail();
        return Created(ctx, p, name.Pointer, mode, ref entry);
    }

    public int MkDir(in FuseContext ctx, ulong parent, FuseName name, uint mode, ref FuseEntry entry)
    {
        var p = Node(parent);
        mode = CreationMode(ctx, p, mode);
        if (Libc.MkdirAt(p.Fd, name.Pointer, mode) != 0) return Fail();
        return Created(ctx, p, name.Pointer, Libc.S_IFDIR | mode, ref entry);
    }

    public int SymLink(in FuseContext ctx, FuseName target, ulong parent, FuseName name, ref FuseEntry entry)
    {
        var p = Node(parent);
        if (Libc.SymlinkAt(target.Pointer, p.Fd, name.Pointer) != 0) return Fail();
        return Created(ctx, p, name.Pointer, Libc.S_IFLNK | 0x1FF, ref entry);
    }

    private int Created(in FuseContext ctx, Inode parent, byte* name, uint mode, ref FuseEntry entry)
    {
        var res = GiveToCaller(ctx, parent, parent.Fd, name, 0, mode);
        if (res != 0)
        {
            // Do not leave a root-owned file behind for the caller.
            Libc.UnlinkAt(parent.Fd, name, Attr.IsDir(mode) ? Libc.AT_REMOVEDIR : 0);
            return res;
        }
        return LookupEntry(parent, name, ref entry);
    }

    public int Link(in FuseContext ctx, ulong ino, ulong newParent, FuseName newName, ref FuseEntry entry)
    {
        var node = Node(ino);
        var p = Node(newParent);
        if (Libc.LinkAt(node.Fd, EmptyPath, p.Fd, newName.Pointer, Libc.AT_EMPTY_PATH) != 0) return Fail();
        return LookupEntry(p, newName.Pointer, ref entry);
    }

    public int Unlink(in FuseContext ctx, ulong parent, FuseName name) =>
        Libc.UnlinkAt(Node(parent).Fd, name.Pointer, 0) == 0 ? 0 : Fail();

    public int RmDir(in FuseContext ctx, ulong parent, FuseName name) =>
        Libc.UnlinkAt(Node(parent).Fd, name.Pointer, Libc.AT_REMOVEDIR) == 0 ? 0 : Fail();

    public int Rename(in FuseContext ctx, ulong parent, FuseName name, ulong newParent, FuseName newName, uint flags) =>
        Libc.RenameAt2(Node(parent).Fd, name.Pointer, Node(newParent).Fd, newName.Pointer, flags) == 0 ? 0 : Fail();

    public int ReadLink(in FuseContext ctx, ulong ino, Span<byte> buffer)
    {
        fixed (byte* b = buffer)
        {
            var n = Libc.ReadlinkAt(Node(ino).Fd, EmptyPath, b, (nuint)buffer.Length);
            return n < 0 ? Fail() : (int)n;
        }
    }
}
