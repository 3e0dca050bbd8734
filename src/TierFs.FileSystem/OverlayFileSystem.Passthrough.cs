using System.Collections.Concurrent;
using TierFs.Common;
using TierFs.Fuse;
using TierFs.Posix;

namespace TierFs.FileSystem;

// FUSE passthrough: the kernel serves a handle's reads (and mmap) from the backing file itself, so
// reading a local file needs no daemon thread, and a recall storm cannot slow it. Only read-only
// opens of files whose data is local ask for it: a write must reach the daemon (an archived copy
// turns dirty, the index hears of it), and a stub's reads wait for their recall.
//
// The kernel lets an inode be open in one mode at a time (passthrough, or through the daemon with
// its page cache), and fails an open of the other mode with EIO. So each open joins the mode its
// inode is open in; only an inode open nowhere takes the mode the open would choose. A writer that
// must join passthrough readers marks the file's data changing at its open, since its writes will
// not pass here. The daemon hears of every open and release, and hears of a release only after the
// kernel has let go of the handle, so its counts never show fewer opens of a mode than the kernel's.
public sealed unsafe partial class OverlayFileSystem
{
    private readonly KernelBacking? _backing;
    private readonly ConcurrentDictionary<ulong, Inode> _passthroughHandles = new();
    private readonly Lock[] _modeLocks = [.. Enumerable.Range(0, 64).Select(_ => new Lock())];
    private int _passthroughRefused;
    private volatile bool _passthroughOff;

    private Lock ModeLock(Inode node) => _modeLocks[(int)(node.NodeId % (ulong)_modeLocks.Length)];

    private static bool PassedThrough(in FuseFileInfo fi) => (fi.Bits & FuseFileInfoBits.Passthrough) != 0;

    /// <summary>
    /// Chooses how the kernel serves the new handle <paramref name="fi"/> (its backing descriptor in
    /// Fh) and counts it; <see cref="HandleClosed"/> undoes that. <paramref name="wanted"/>: the open
    /// would take passthrough if the inode were open nowhere. Joining passthrough handles is always
    /// safe for the data: a file open in passthrough was whole then, and stays whole while open (a
    /// release refuses a file that is open, and a recall only fills stubs).
    /// </summary>
    private void ChooseMode(Inode node, ref FuseFileInfo fi, bool wanted)
    {
        int id;
        lock (ModeLock(node))
        {
            if (node.PassthroughOpens == 0 && (node.CachedOpens > 0 || !wanted || !TryBacking(node, (int)fi.Fh)))
            {
                node.CachedOpens++;
                return;
            }
            node.PassthroughOpens++;
            id = node.BackingId;
        }
        fi.BackingId = id;
        fi.Bits |= FuseFileInfoBits.Passthrough;
        // Nothing of the inode may stay in the page cache of the other mode: its data may change meanwhile.
        fi.Bits &= ~FuseFileInfoBits.KeepCache;
        _passthroughHandles[fi.Fh] = node;
        if (wanted) return;
        // Joined. O_DIRECT: its reads and writes go through the daemon still (FOPEN_DIRECT_IO wins
        // over passthrough for them), without the backing file's alignment rules.
        if ((fi.Flags & Libc.O_DIRECT) != 0) fi.Bits |= FuseFileInfoBits.DirectIo;
        else if (ForWrite(fi.Flags)) DataChanging(node, (int)fi.Fh); // its writes will not pass here
    }

    /// <summary>
    /// Smaller files are read through the daemon: their pages, kept across opens (keep_cache), serve
    /// re-reads without it anyway, and registering a backing file costs an open more than one read
    /// request does (open+read of 4 KiB files: 13.2k/s with passthrough against 16.1k/s without).
    /// </summary>
    internal const long PassthroughMinSize = 1 << 20;

    /// <summary>
    /// Whether the open of <paramref name="node"/> (its new handle <paramref name="fd"/>, opened with
    /// <paramref name="flags"/>) would be served by the kernel alone if its file were open nowhere:
    /// passthrough is on; a reader; a regular file large enough (above); not O_DIRECT, which the kernel
    /// would open the backing file with, and some filesystems refuse (nor does FUSE's own direct I/O
    /// demand its alignment); not a set-id file (FUSE clears set-id bits on the writes it sees; a
    /// writer that joins passthrough relies on the backing filesystem's write to do it: kernel 6.18's
    /// does, a test here cannot show older ones); and all its data local (asked of the tiering layer
    /// only when <paramref name="mayBeTiered"/>; after the open is counted, so nothing drops it later).
    /// </summary>
    private bool WantsPassthrough(Inode node, int fd, int flags, bool mayBeTiered)
    {
        if (_backing is not { Ready: true } || _passthroughOff || ForWrite(flags) || (flags & Libc.O_DIRECT) != 0 || node.Type != Libc.S_IFREG)
            return false;
        StatX st;
        const uint statxModeSize = 0x2 | 0x200; // STATX_MODE | STATX_SIZE
        if (Libc.Statx(fd, EmptyPath, Libc.AT_EMPTY_PATH, statxModeSize, &st) != 0 ||
            (long)st.Size < PassthroughMinSize || (st.Mode & (Libc.S_ISUID | Libc.S_ISGID)) != 0)
            return false;
        return !mayBeTiered || _gate is null || _gate.DataIsLocal(fd, node.Dev, node.Ino);
    }

    // Under the node's mode lock, the inode open nowhere in passthrough and the open wanting it
    // (WantsPassthrough): register its backing file. The kernel keeps the file it is given until the
    // id is closed (the inode's last passthrough release), so it gets an open file of its own, not
    // the handle's: a flock(2) taken through the handle must end at the handle's close.
    private bool TryBacking(Inode node, int fd)
    {
        var path = stackalloc byte[ProcFd.BufferSize];
        var own = Libc.OpenAt(Libc.AT_FDCWD, ProcFd.Format(fd, path), Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        if (own < 0) return false; // EMFILE and the like: served through the daemon
        var id = _backing!.Open(own);
        Libc.Close(own);
        if (id > 0)
        {
            node.BackingId = id;
            return true;
        }
        // Not allowed at all (the daemon lacks CAP_SYS_ADMIN): stop asking. Else (a backing file stacked
        // too deep, ELOOP) only this file is read through the daemon.
        if (id is -Errno.EPERM or -Errno.EOPNOTSUPP) _passthroughOff = true;
        if (Interlocked.Exchange(ref _passthroughRefused, 1) == 0)
            Log.Warn(Source, $"{node}: the kernel refused its backing file for passthrough (errno {-id}); {(_passthroughOff ? "every file is" : "such files are")} read through the daemon");
        return false;
    }

    /// <summary>The handle <paramref name="fh"/> of <paramref name="node"/> is released (or was never given out).</summary>
    private void HandleClosed(Inode? node, ulong fh)
    {
        if (_passthroughHandles.TryRemove(fh, out var pt)) node = pt;
        else if (node is null) return;
        else
        {
            lock (ModeLock(node)) node.CachedOpens--;
            return;
        }
        var close = 0;
        lock (ModeLock(node))
        {
            if (--node.PassthroughOpens == 0)
            {
                close = node.BackingId;
                node.BackingId = 0;
            }
        }
        // The kernel let go of its handles before telling us; an open now registers a new id.
        if (close > 0 && _backing!.Close(close) is var res and < 0)
            Log.Warn(Source, $"{node}: closing backing id {close} failed (errno {-res})");
    }
}
