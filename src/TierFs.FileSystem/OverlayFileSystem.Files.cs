using System.Collections.Concurrent;
using TierFs.Common;
using TierFs.Posix;
using TierFs.Fuse;

namespace TierFs.FileSystem;

// Open files: the file handle is the backing fd; reads are spliced straight from it.
public sealed unsafe partial class OverlayFileSystem
{
    // Handles opened while their file was being recalled, until a read finds it whole: their reads
    // wait for their parts (the file's holes are never served).
    private readonly ConcurrentDictionary<ulong, Inode> _recallingHandles = new();

    private static bool ForWrite(int flags) => (flags & Libc.O_ACCMODE) != Libc.O_RDONLY;

    private void SetOpenBits(ref FuseFileInfo fi)
    {
        if (_options.KeepCache) fi.Bits |= FuseFileInfoBits.KeepCache;
        if (!_flushOnClose) fi.Bits |= FuseFileInfoBits.NoFlush;
    }

    // The flags the backing file is opened with. O_NOFOLLOW: we open through /proc/self/fd.
    // O_DIRECT: the kernel already bypasses its cache for the caller (FUSE direct I/O), while the
    // data we write arrives in a buffer with no alignment, which an O_DIRECT backing fd refuses.
    private static int BackingFlags(int flags) => (flags & ~(Libc.O_NOFOLLOW | Libc.O_DIRECT)) | Libc.O_CLOEXEC;

    public int Open(in FuseContext ctx, ulong ino, ref FuseFileInfo fi)
    {
        var node = Node(ino);
        var path = stackalloc byte[ProcFd.BufferSize];
        var write = ForWrite(fi.Flags);
        var truncating = write && (fi.Flags & Libc.O_TRUNC) != 0;
        // Counted before the stub check: a release running now either sees this open and
        // refuses, or finishes first, and then the check below finds the stub and recalls it.
        node.Opened(write);
        var fd = -1;
        var later = false;
        var recalling = false;
        var tiered = false;
        try
        {
            using var nfd = _table.Use(node);
            int res;
            if (truncating) res = MakeLocal(ctx, node, nfd.Fd, truncatingToZero: true);
            else
            {
                // A read-only open is answered once the recall serves reads; its reads wait for their parts.
                var recall = MakeLocalLater(ctx, node, nfd.Fd, streaming: !write, out tiered);
                // Not "the task is still running": a recall already serving reads answers at once, and
                // the handle's reads must then still wait for their parts. A whole file's first read
                // finds nothing to wait for and is served directly from then on.
                recalling = tiered && !write;
                if (!recall.IsCompleted && LaterReply.Take(ctx) is { } answer)
                {
                    // A stub's recall runs: answer when it ends, and give this thread back now.
                    OpenWhenLocal(recall, answer, node, nfd.Fd, fi);
                    later = true;
                    return LaterReply.Reply;
                }
                res = recall.GetAwaiter().GetResult();
            }
            if (res != 0) return res;
            fd = Libc.OpenAt(Libc.AT_FDCWD, ProcFd.Format(nfd.Fd, path), BackingFlags(fi.Flags), 0);
            if (fd < 0) return Fail();
        }
        finally
        {
            if (fd < 0 && !later) node.Closed(write);
        }
        if (truncating) NodeChanged(node);
        fi.Fh = (ulong)fd;
        SetOpenBits(ref fi);
        ChooseMode(node, ref fi, WantsPassthrough(node, fd, fi.Flags, mayBeTiered: tiered));
        if (recalling && !PassedThrough(fi)) _recallingHandles[fi.Fh] = node;
        return 0;
    }

    /// <summary>The rest of an open answered later: once the recall ended, open the backing file and answer.</summary>
    private void OpenWhenLocal(Task<int> recall, LaterReply answer, Inode node, int nodeFd, FuseFileInfo fi)
    {
        var write = ForWrite(fi.Flags);
        var own = Libc.Dup(nodeFd); // the node's descriptor is only lent to the handler
        var dupFailed = own < 0 ? Fail() : 0; // EMFILE, not EIO: the opener may close files and retry
        _ = recall.ContinueWith(done =>
        {
            var fd = -1;
            var counted = false;
            try
            {
                var res = dupFailed != 0 ? dupFailed : done.IsCompletedSuccessfully ? done.Result : -Errno.EIO;
                if (res == 0)
                {
                    var path = stackalloc byte[ProcFd.BufferSize];
                    fd = Libc.OpenAt(Libc.AT_FDCWD, ProcFd.Format(own, path), BackingFlags(fi.Flags), 0);
                    if (fd < 0) res = Fail();
                }
                if (res != 0)
                {
                    node.Closed(write);
                    answer.Failed(-res);
                    return;
                }
                fi.Fh = (ulong)fd;
                SetOpenBits(ref fi);
                // A writer's recall has ended (its file is whole); a reader's serves reads while it runs.
                ChooseMode(node, ref fi, WantsPassthrough(node, fd, fi.Flags, mayBeTiered: true));
                counted = true;
                if (!PassedThrough(fi)) _recallingHandles[fi.Fh] = node; // before the answer: the kernel may read at once
                var opened = answer.Opened(fi);
                counted = false; // the kernel's handle now, or released just below
                // Nobody will use the handle (the opener was interrupted, or the mount is ending): release it.
                if (!opened) Release(default, node.NodeId, fi);
            }
            catch (Exception e)
            {
                if (counted)
                {
                    _recallingHandles.TryRemove(fi.Fh, out _);
                    HandleClosed(node, fi.Fh);
                }
                if (fd >= 0) Libc.Close(fd);
                node.Closed(write);
                answer.Failed(Errno.EIO);
                Log.Error(Source, $"{node}: the open answered after its recall failed", e);
            }
            finally
            {
                if (own >= 0) Libc.Close(own);
            }
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    public int Create(in FuseContext ctx, ulong parent, FuseName name, uint mode, ref FuseFileInfo fi, ref FuseEntry entry)
    {
        using var p = Use(parent);
        mode = CreationMode(ctx, p.Fd, mode);
        // Only a file this call makes is the caller's. The kernel sends a create for a name it
        // believes absent and checks no permission on what it opens; a name that appeared behind
        // the mount since (a symlink to anywhere, another's file) must not be opened here as root.
        // O_EXCL also never follows a symlink. ESTALE makes the kernel look the name up again
        // and open what is there itself, with the caller's permissions.
        int fd, err = 0;
        using (ThreadCredentials.Creating(ctx.Uid, ctx.Gid))
        {
            fd = Libc.OpenAt(p.Fd, name.Pointer, BackingFlags(fi.Flags) | Libc.O_CREAT | Libc.O_EXCL, mode & 0xFFF);
            if (fd < 0) err = Libc.Errno();
        }
        if (fd < 0) return err == Errno.EEXIST && (fi.Flags & Libc.O_EXCL) == 0 ? -Errno.ESTALE : -err;
        var res = EntryForOpenFile(fd, ref entry);
        if (res != 0)
        {
            Unmade(p.Fd, name.Pointer, fd); // the caller's create failed: no root-owned file stays
            Libc.Close(fd);
            return res;
        }
        fi.Fh = (ulong)fd;
        SetOpenBits(ref fi);
        var node = Node(entry.Ino);
        node.Opened(ForWrite(fi.Flags));
        // The name may be a hard link of a file open in passthrough: join it (its data is local).
        ChooseMode(node, ref fi, wanted: false);
        NameChanged(parent, name);
        return 0;
    }

    /// <summary>Removes the name this call made for the open file <paramref name="fd"/>, if the name is still that file.</summary>
    private static void Unmade(int parentFd, byte* name, int fd)
    {
        StatX made, named;
        if (Libc.Statx(fd, EmptyPath, Libc.AT_EMPTY_PATH, StatX.BasicStats, &made) != 0) return;
        if (Libc.Statx(parentFd, name, Libc.AT_SYMLINK_NOFOLLOW, StatX.BasicStats, &named) != 0) return;
        if (made.Dev == named.Dev && made.Ino == named.Ino) Libc.UnlinkAt(parentFd, name, 0);
    }

    public int Read(in FuseContext ctx, ulong ino, in FuseFileInfo fi, long offset, Span<byte> buffer, ref FuseReadReply reply)
    {
        if (!_recallingHandles.IsEmpty && _recallingHandles.TryGetValue(fi.Fh, out var node))
        {
            var res = ReadWhileRecalling(ctx, node, fi, offset, buffer);
            if (res is { } answered) return answered;
        }
        reply.Fd = (int)fi.Fh;
        reply.FdOffset = offset;
        return 0;
    }

    public int Write(in FuseContext ctx, ulong ino, in FuseFileInfo fi, long offset, ReadOnlySpan<byte> data)
    {
        var node = Watched(ino);
        DataChanging(node, (int)fi.Fh);
        var res = WriteAll((int)fi.Fh, offset, data);
        NodeChanged(node);
        return res;
    }

    private static int WriteAll(int fd, long offset, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data) return TransferAll(fd, offset, p, data.Length, write: true);
    }

    private static int ReadAll(int fd, long offset, Span<byte> into)
    {
        fixed (byte* p = into) return TransferAll(fd, offset, p, into.Length, write: false);
    }

    /// <summary>pwrite or pread until <paramref name="length"/> bytes are done, the end of the file, or an error (a negative errno when nothing was done).</summary>
    private static int TransferAll(int fd, long offset, byte* p, int length, bool write)
    {
        var done = 0;
        while (done < length)
        {
            var n = write ? Libc.PWrite(fd, p + done, (nuint)(length - done), offset + done)
                          : Libc.PRead(fd, p + done, (nuint)(length - done), offset + done);
            if (n < 0)
            {
                if (Libc.Errno() == Errno.EINTR) continue;
                return done > 0 ? done : Fail();
            }
            if (n == 0) break;
            done += (int)n;
        }
        return done;
    }

    // close() of a duplicate gives the backing filesystem its close-time semantics (NFS flushes,
    // POSIX lock release) at each close(2) of the user's descriptor, as flush is meant to.
    public int Flush(in FuseContext ctx, ulong ino, in FuseFileInfo fi)
    {
        var dup = Libc.DupBriefly((int)fi.Fh);
        if (dup < 0) return Fail();
        return Libc.Close(dup) == 0 ? 0 : Fail();
    }

    /// <summary>
    /// A read through a handle opened while its file was being recalled: answered from the file once
    /// the parts it covers are verified (later, when they are not yet), by splicing from the backing
    /// file while the recall holds off dropping its data; null once the file is whole: the handle is
    /// read directly from then on.
    /// </summary>
    private int? ReadWhileRecalling(in FuseContext ctx, Inode node, in FuseFileInfo fi, long offset, Span<byte> buffer)
    {
        var fd = (int)fi.Fh;
        if (LaterReply.Take(ctx) is not { } answer) return ReadWhileRecallingNow(node, fi, offset, buffer);
        var read = _gate!.ReadRecalling(node.Dev, node.Ino, offset, buffer.Length, count => answer.DataFrom(fd, offset, count));
        if (read is null)
        {
            _recallingHandles.TryRemove(KeyValuePair.Create(fi.Fh, node));
            answer.DataFrom(fd, offset, buffer.Length); // whole now: nothing can drop its data
            return LaterReply.Reply;
        }
        read.ContinueWith(done =>
        {
            var n = done.IsCompletedSuccessfully ? done.Result : -Errno.EIO;
            if (n < 0) answer.Failed(-n); // a no-op once served
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return LaterReply.Reply;
    }

    /// <summary><see cref="ReadWhileRecalling"/> for a call that cannot be answered later (not a kernel request): waits here.</summary>
    private int? ReadWhileRecallingNow(Inode node, in FuseFileInfo fi, long offset, Span<byte> buffer)
    {
        var fd = (int)fi.Fh;
        var into = new byte[buffer.Length];
        var read = _gate!.ReadRecalling(node.Dev, node.Ino, offset, buffer.Length, count => ReadAll(fd, offset, into.AsSpan(0, count)));
        if (read is null)
        {
            _recallingHandles.TryRemove(KeyValuePair.Create(fi.Fh, node));
            return null;
        }
        var n = read.GetAwaiter().GetResult();
        if (n > 0) into.AsSpan(0, n).CopyTo(buffer);
        return n;
    }

    public int Release(in FuseContext ctx, ulong ino, in FuseFileInfo fi)
    {
        _recallingHandles.TryRemove(fi.Fh, out _);
        var node = _table.Get(ino);
        HandleClosed(node, fi.Fh);
        Libc.Close((int)fi.Fh);
        node?.Closed(ForWrite(fi.Flags));
        NodeChanged(node); // reads moved the atime, mmap writes the data
        return 0;
    }

    public int Fsync(in FuseContext ctx, ulong ino, bool dataOnly, in FuseFileInfo fi)
    {
        var fd = (int)fi.Fh;
        return (dataOnly ? Libc.Fdatasync(fd) : Libc.Fsync(fd)) == 0 ? 0 : Fail();
    }

    public int Fallocate(in FuseContext ctx, ulong ino, int mode, long offset, long length, in FuseFileInfo fi)
    {
        var node = Watched(ino);
        DataChanging(node, (int)fi.Fh);
        if (Libc.Fallocate((int)fi.Fh, mode, offset, length) != 0) return Fail();
        NodeChanged(node);
        return 0;
    }

    public long Lseek(in FuseContext ctx, ulong ino, long offset, int whence, in FuseFileInfo fi)
    {
        var res = Libc.Lseek((int)fi.Fh, offset, whence);
        return res < 0 ? Fail() : res;
    }

    public long CopyFileRange(in FuseContext ctx, ulong inoIn, long offsetIn, in FuseFileInfo fiIn, ulong inoOut, long offsetOut, in FuseFileInfo fiOut, ulong length, int flags)
    {
        var node = Watched(inoOut);
        DataChanging(node, (int)fiOut.Fh);
        var res = Libc.CopyFileRange((int)fiIn.Fh, &offsetIn, (int)fiOut.Fh, &offsetOut, (nuint)length, (uint)flags);
        if (res < 0) return Fail();
        NodeChanged(node);
        return res;
    }
}
