using System.Collections.Concurrent;
using TierFs.Common;
using TierFs.Fuse;
using TierFs.Namespace;
using TierFs.Posix;
using TierFs.Remote;

namespace TierFs.West;

/// <summary>
/// The west mount: a read-only view of a pair's published namespace. Lookup, getattr, readdir,
/// readlink and the user.* xattrs are answered from the current <see cref="WestView"/> (in memory,
/// never by listing the bucket); every change is EROFS; the data of an archived file is read from
/// the remote tier part by part, verified, through the <see cref="PartCache"/> (see the Files part).
/// A new generation is swapped in whole (<see cref="Switch"/>): a request sees one generation.
/// </summary>
public sealed partial class WestFileSystem(WestView initial, IRemoteStore remote, PartCache cache, WestOptions options) : IFuseFileSystem
{
    internal const string Source = "west";

    private WestView _view = initial;
    private readonly ConcurrentDictionary<ulong, (WestView View, ReadOnlyMemory<int> Slots)> _dirs = new();
    private long _nextHandle;

    public WestView View => Volatile.Read(ref _view);

    /// <summary>Serves <paramref name="next"/> from now on; returns what the kernel may hold that it made wrong.</summary>
    public GenerationChanges Switch(WestView next)
    {
        var old = Interlocked.Exchange(ref _view, next);
        return GenerationChanges.Between(old, next);
    }

    private ulong NewHandle() => (ulong)Interlocked.Increment(ref _nextHandle);

    public int Lookup(in FuseContext ctx, ulong parent, FuseName name, ref FuseEntry entry)
    {
        var view = View;
        var dir = view.SlotOf(parent);
        if (dir < 0) return -Errno.ENOENT;
        if (view.Node(dir).Type != NsEntry.TypeDir) return -Errno.ENOTDIR;
        var slot = view.ChildOf(dir, name.Span);
        if (slot < 0) return -Errno.ENOENT;
        var node = view.NodeOfSlot(slot);
        entry.Ino = node;
        entry.Generation = 0;
        entry.AttrTimeout = options.AttrTimeout;
        entry.EntryTimeout = options.EntryTimeout;
        WestView.Fill(view.Node(slot), node, ref entry.Attr);
        return 0;
    }

    // Nodes are the view's, not counted lookups: nothing to drop.
    public void Forget(ulong ino, ulong nlookup) { }

    public int GetAttr(in FuseContext ctx, ulong ino, in FuseFileInfo fi, ref FuseAttr attr, ref double timeout)
    {
        var view = View;
        var slot = view.SlotOf(ino);
        if (slot < 0) return -Errno.ENOENT;
        WestView.Fill(view.Node(slot), ino, ref attr);
        timeout = options.AttrTimeout;
        return 0;
    }

    public int ReadLink(in FuseContext ctx, ulong ino, Span<byte> buffer)
    {
        var view = View;
        var slot = view.SlotOf(ino);
        if (slot < 0) return -Errno.ENOENT;
        var e = view.Node(slot);
        if (e.Type != NsEntry.TypeSymlink || !e.HasTarget) return -Errno.EINVAL;
        var target = e.Target;
        var n = Math.Min(target.Length, buffer.Length);
        target[..n].CopyTo(buffer);
        return n;
    }

    public int OpenDir(in FuseContext ctx, ulong ino, ref FuseFileInfo fi)
    {
        var view = View;
        var slot = view.SlotOf(ino);
        if (slot < 0) return -Errno.ENOENT;
        if (view.Node(slot).Type != NsEntry.TypeDir) return -Errno.ENOTDIR;
        // The listing is taken now: a reader going through it in several calls sees one generation.
        var h = NewHandle();
        _dirs[h] = (view, view.ListSlots(slot));
        fi.Fh = h;
        return 0;
    }

    public unsafe int ReadDir(in FuseContext ctx, ulong ino, in FuseFileInfo fi, long offset, DirectoryListing listing)
    {
        if (!_dirs.TryGetValue(fi.Fh, out var d)) return -Errno.EBADF;
        // Offsets: 0 ".", 1 "..", 2 + i the i-th entry; each entry's next offset is its own plus one.
        // A shown name is at most 255 UTF-16 characters: at most 765 bytes of UTF-8.
        Span<byte> name = stackalloc byte[1024];
        for (var at = offset; at < d.Slots.Length + 2; at++)
        {
            var attr = default(FuseAttr);
            FuseEntry plus = default;
            int length;
            if (at < 2)
            {
                var dots = at == 0 ? "."u8 : ".."u8;
                length = dots.Length;
                dots.CopyTo(name);
                attr.Mode = Libc.S_IFDIR;
                plus.Attr = attr;
            }
            else
            {
                var slot = d.Slots.Span[(int)at - 2];
                var e = d.View.Node(slot);
                var bytes = e.Name;
                length = bytes.Length;
                bytes.CopyTo(name);
                var node = d.View.NodeOfSlot(slot);
                WestView.Fill(e, node, ref attr);
                plus = new FuseEntry { Ino = node, AttrTimeout = options.AttrTimeout, EntryTimeout = options.EntryTimeout, Attr = attr };
            }
            name[length] = 0;
            bool added;
            fixed (byte* p = name) added = listing.Plus ? listing.AddPlus(p, plus, at + 1) : listing.Add(p, attr, at + 1);
            if (!added) return 0;
        }
        return 0;
    }

    public int ReleaseDir(in FuseContext ctx, ulong ino, in FuseFileInfo fi)
    {
        _dirs.TryRemove(fi.Fh, out _);
        return 0;
    }

    public int GetXattr(in FuseContext ctx, ulong ino, FuseName name, Span<byte> buffer)
    {
        var view = View;
        var slot = view.SlotOf(ino);
        if (slot < 0) return -Errno.ENOENT;
        if (!view.Node(slot).TryGetXattr(name.Span, out var value)) return -Errno.ENODATA;
        if (buffer.Length == 0) return value.Length;
        if (buffer.Length < value.Length) return -Errno.ERANGE;
        value.CopyTo(buffer);
        return value.Length;
    }

    public int ListXattr(in FuseContext ctx, ulong ino, Span<byte> buffer)
    {
        var view = View;
        var slot = view.SlotOf(ino);
        if (slot < 0) return -Errno.ENOENT;
        var e = view.Node(slot);
        var length = e.XattrNames(default);
        if (buffer.Length == 0) return length;
        if (buffer.Length < length) return -Errno.ERANGE;
        return e.XattrNames(buffer);
    }

    public int StatFs(in FuseContext ctx, ulong ino, ref FuseStatVfs stat)
    {
        stat.BlockSize = 4096;
        stat.FragmentSize = 4096;
        stat.Files = (ulong)View.Nodes;
        stat.NameMax = 255;
        return 0;
    }

    // ---- read-only: every change is EROFS (the kernel refuses most of them first: the mount is ro) ----
    public int SetAttr(in FuseContext ctx, ulong ino, in FuseAttr values, SetAttrFlags toSet, in FuseFileInfo fi, ref FuseAttr attr, ref double timeout) => -Errno.EROFS;
    public int MkNod(in FuseContext ctx, ulong parent, FuseName name, uint mode, ulong rdev, ref FuseEntry entry) => -Errno.EROFS;
    public int MkDir(in FuseContext ctx, ulong parent, FuseName name, uint mode, ref FuseEntry entry) => -Errno.EROFS;
    public int Unlink(in FuseContext ctx, ulong parent, FuseName name) => -Errno.EROFS;
    public int RmDir(in FuseContext ctx, ulong parent, FuseName name) => -Errno.EROFS;
    public int SymLink(in FuseContext ctx, FuseName target, ulong parent, FuseName name, ref FuseEntry entry) => -Errno.EROFS;
    public int Rename(in FuseContext ctx, ulong parent, FuseName name, ulong newParent, FuseName newName, uint flags) => -Errno.EROFS;
    public int Link(in FuseContext ctx, ulong ino, ulong newParent, FuseName newName, ref FuseEntry entry) => -Errno.EROFS;
    public int Create(in FuseContext ctx, ulong parent, FuseName name, uint mode, ref FuseFileInfo fi, ref FuseEntry entry) => -Errno.EROFS;
    public int Write(in FuseContext ctx, ulong ino, in FuseFileInfo fi, long offset, ReadOnlySpan<byte> data) => -Errno.EROFS;
    public int Fallocate(in FuseContext ctx, ulong ino, int mode, long offset, long length, in FuseFileInfo fi) => -Errno.EROFS;
    public int SetXattr(in FuseContext ctx, ulong ino, FuseName name, ReadOnlySpan<byte> value, int flags) => -Errno.EROFS;
    public int RemoveXattr(in FuseContext ctx, ulong ino, FuseName name) => -Errno.EROFS;
    public int Flush(in FuseContext ctx, ulong ino, in FuseFileInfo fi) => 0;
    public int Fsync(in FuseContext ctx, ulong ino, bool dataOnly, in FuseFileInfo fi) => 0;
}
