using TierFs.Posix;
namespace TierFs.Fuse;

/// <summary>
/// An inode-based filesystem served by <see cref="FuseSession"/>. Node ids are the implementer's:
/// 1 is the root. Methods return 0 (or a count) on success and a negative errno on failure, and
/// run on the session's worker threads, so they must be thread-safe and may block.
/// Defaults answer ENOSYS, which the kernel remembers for most operations.
/// </summary>
public interface IFuseFileSystem
{
    void Init(in FuseConnectionInfo connection) { }
    void Destroy() { }
    /// <summary>
    /// The session is ending (stopped, unmounted, or the connection aborted): requests still
    /// running should return at once, their replies go nowhere. The loop cannot end, nor can
    /// <see cref="Destroy"/> come, while a handler waits (for a lock, say). Called once, on any thread.
    /// </summary>
    void SessionEnding() { }

    int Lookup(in FuseContext ctx, ulong parent, FuseName name, ref FuseEntry entry);
    /// <summary>The kernel dropped <paramref name="nlookup"/> references to <paramref name="ino"/>.</summary>
    void Forget(ulong ino, ulong nlookup);
    int GetAttr(in FuseContext ctx, ulong ino, in FuseFileInfo fi, ref FuseAttr attr, ref double timeout);
    int SetAttr(in FuseContext ctx, ulong ino, in FuseAttr values, SetAttrFlags toSet, in FuseFileInfo fi, ref FuseAttr attr, ref double timeout) => -Errno.ENOSYS;
    /// <summary>Writes the target into <paramref name="buffer"/> and returns its length.</summary>
    int ReadLink(in FuseContext ctx, ulong ino, Span<byte> buffer) => -Errno.ENOSYS;
    int MkNod(in FuseContext ctx, ulong parent, FuseName name, uint mode, ulong rdev, ref FuseEntry entry) => -Errno.ENOSYS;
    int MkDir(in FuseContext ctx, ulong parent, FuseName name, uint mode, ref FuseEntry entry) => -Errno.ENOSYS;
    int Unlink(in FuseContext ctx, ulong parent, FuseName name) => -Errno.ENOSYS;
    int RmDir(in FuseContext ctx, ulong parent, FuseName name) => -Errno.ENOSYS;
    int SymLink(in FuseContext ctx, FuseName target, ulong parent, FuseName name, ref FuseEntry entry) => -Errno.ENOSYS;
    /// <summary><paramref name="flags"/>: RENAME_NOREPLACE (1), RENAME_EXCHANGE (2).</summary>
    int Rename(in FuseContext ctx, ulong parent, FuseName name, ulong newParent, FuseName newName, uint flags) => -Errno.ENOSYS;
    int Link(in FuseContext ctx, ulong ino, ulong newParent, FuseName newName, ref FuseEntry entry) => -Errno.ENOSYS;

    int Open(in FuseContext ctx, ulong ino, ref FuseFileInfo fi) => -Errno.ENOSYS;
    int Create(in FuseContext ctx, ulong parent, FuseName name, uint mode, ref FuseFileInfo fi, ref FuseEntry entry) => -Errno.ENOSYS;
    /// <summary>Fill <paramref name="buffer"/> and return the count, or set <c>reply.Fd</c> and return 0 to splice.</summary>
    int Read(in FuseContext ctx, ulong ino, in FuseFileInfo fi, long offset, Span<byte> buffer, ref FuseReadReply reply) => -Errno.ENOSYS;
    /// <summary>Returns the number of bytes written.</summary>
    int Write(in FuseContext ctx, ulong ino, in FuseFileInfo fi, long offset, ReadOnlySpan<byte> data) => -Errno.ENOSYS;
    int Flush(in FuseContext ctx, ulong ino, in FuseFileInfo fi) => -Errno.ENOSYS;
    int Release(in FuseContext ctx, ulong ino, in FuseFileInfo fi) => 0;
    int Fsync(in FuseContext ctx, ulong ino, bool dataOnly, in FuseFileInfo fi) => -Errno.ENOSYS;
    int Flock(in FuseContext ctx, ulong ino, in FuseFileInfo fi, int operation) => -Errno.ENOSYS;
    int Fallocate(in FuseContext ctx, ulong ino, int mode, long offset, long length, in FuseFileInfo fi) => -Errno.ENOSYS;
    /// <summary>Returns the new offset.</summary>
    long Lseek(in FuseContext ctx, ulong ino, long offset, int whence, in FuseFileInfo fi) => -Errno.ENOSYS;
    /// <summary>Returns the number of bytes copied.</summary>
    long CopyFileRange(in FuseContext ctx, ulong inoIn, long offsetIn, in FuseFileInfo fiIn, ulong inoOut, long offsetOut, in FuseFileInfo fiOut, ulong length, int flags) => -Errno.ENOSYS;

    int OpenDir(in FuseContext ctx, ulong ino, ref FuseFileInfo fi) => 0;
    /// <summary>Adds entries after <paramref name="offset"/> until the listing is full.</summary>
    int ReadDir(in FuseContext ctx, ulong ino, in FuseFileInfo fi, long offset, DirectoryListing listing) => -Errno.ENOSYS;
    int ReleaseDir(in FuseContext ctx, ulong ino, in FuseFileInfo fi) => 0;
    int FsyncDir(in FuseContext ctx, ulong ino, bool dataOnly, in FuseFileInfo fi) => -Errno.ENOSYS;

    int StatFs(in FuseContext ctx, ulong ino, ref FuseStatVfs stat) => -Errno.ENOSYS;
    int Access(in FuseContext ctx, ulong ino, int mask) => -Errno.ENOSYS;
    int SetXattr(in FuseContext ctx, ulong ino, FuseName name, ReadOnlySpan<byte> value, int flags) => -Errno.ENOSYS;
    /// <summary>An empty <paramref name="buffer"/> asks for the value's length.</summary>
    int GetXattr(in FuseContext ctx, ulong ino, FuseName name, Span<byte> buffer) => -Errno.ENOSYS;
    /// <summary>An empty <paramref name="buffer"/> asks for the list's length.</summary>
    int ListXattr(in FuseContext ctx, ulong ino, Span<byte> buffer) => -Errno.ENOSYS;
    int RemoveXattr(in FuseContext ctx, ulong ino, FuseName name) => -Errno.ENOSYS;
}
