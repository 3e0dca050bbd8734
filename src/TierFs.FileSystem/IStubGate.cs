using TierFs.Fuse;
using TierFs.Posix;

namespace TierFs.FileSystem;

/// <summary>
/// What the overlay asks on its data path about tiered files (FUSE request → operation →
/// stub? recall → backing syscall). Implemented over the tiering engine; null when the mount
/// does no tiering. Every method gets the file's (dev, ino) and stat as the overlay just saw them.
/// </summary>
public interface IStubGate
{
    /// <summary>Cheap: whether the file may be tiered (a cache probe, or a file with unallocated bytes).</summary>
    bool MayBeTiered(ulong dev, ulong ino, in StatX st);

    /// <summary>
    /// What the kernel is shown of a file <see cref="MayBeTiered"/> said may be tiered, where it is
    /// not the backing file's stat (a stub holds no data blocks; its ctime is its record's); null: as it is.
    /// </summary>
    ShownAttributes? Describe(int fd, in StatX st);

    /// <summary>Before an open or truncate: brings a stub's data back. 0 or a negative errno.
    /// <paramref name="opener"/> is the request's caller: who may recall is decided by it, and the recall is accounted to it.</summary>
    int MakeLocal(int fd, in StatX st, bool truncatingToZero, in StubOpener opener);

    /// <summary>
    /// Before an open that does not truncate, answered later: <see cref="MakeLocal"/>'s outcome as a
    /// task that does not hold the calling thread (a completed one when there is nothing to wait for).
    /// <paramref name="streaming"/> (a read-only open): the task completes once reads can be served
    /// while the recall runs, through <see cref="ReadRecalling"/>.
    /// </summary>
    Task<int> MakeLocalLater(int fd, in StatX st, in StubOpener opener, bool streaming);

    /// <summary>
    /// A read of <paramref name="size"/> bytes at <paramref name="offset"/> through a handle opened
    /// while its file was being recalled: null when the file is whole (read it directly from now on);
    /// else, once the parts it covers are verified, <paramref name="serve"/> is called with the byte
    /// count to serve from the file (short at its end) while that data cannot be dropped, and the task
    /// completes with serve's result; or with a negative errno, serve not called.
    /// </summary>
    Task<int>? ReadRecalling(ulong dev, ulong ino, long offset, int size, Func<int, int> serve);

    /// <summary>
    /// Whether all of the file's data is in its backing file now: not a stub, and no recall writing
    /// it. Asked after the open is counted, so a release cannot drop the data afterwards.
    /// </summary>
    bool DataIsLocal(int fd, ulong dev, ulong ino);

    /// <summary>A write-like operation is about to change the data of a possibly archived file.</summary>
    void DataChanging(int fd, ulong dev, ulong ino);

    /// <summary>A metadata change went through (chmod, chown, link, rename, user xattrs).</summary>
    void MetadataChanged(int fd, in StatX st);

    /// <summary>Before the last name of a possibly tiered file goes: learn its record (it names the remote object).</summary>
    void Removing(int fd, in StatX st);

    /// <summary>The last name of a tiered file is gone.</summary>
    void Unlinked(ulong dev, ulong ino);

    /// <summary>Whether an xattr name is the tiering layer's own (hidden from and protected against users).</summary>
    bool IsPrivateXattr(ReadOnlySpan<byte> name);
}

/// <summary>The FUSE request that needs a file's data: its caller (pid, uid, gid) and whether it is a truncate (else an open).</summary>
public readonly record struct StubOpener(int Pid, uint Uid, uint Gid, bool Truncate);

/// <summary>Where the kernel is shown a tiered file otherwise than its backing stat says.</summary>
/// <param name="NoDataBlocks">A stub: the blocks it holds are the filesystem's metadata, not data (shown as 0).</param>
/// <param name="CtimeNs">The ctime to show (ns since the epoch): the record's, not the one our own xattr writes and hole punching moved.</param>
/// <param name="MtimeNs">
/// The mtime to show, or null for the backing one: a stub's is the record's, which the backing one
/// equals except while a recall writes the data (the recall puts it back when it ends, or fails).
/// </param>
public readonly record struct ShownAttributes(bool NoDataBlocks, long CtimeNs, long? MtimeNs);
