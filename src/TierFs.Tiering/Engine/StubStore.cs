using System.Text;
using TierFs.Posix;
using TierFs.Records;

namespace TierFs.Tiering.Engine;

/// <summary>
/// The stub record as it lives with the file (an xattr), and the on-disk changes that turn a
/// file into a stub and back: the record is the truth, written before data is dropped.
/// </summary>
public static unsafe class StubStore
{
    private static readonly byte[] XattrName = Encoding.ASCII.GetBytes(StubXattr.Name + "\0");

    /// <summary>The record of the file behind <paramref name="pathFd"/> (any fd, O_PATH too), null if none.</summary>
    public static StubRecord? Read(int pathFd)
    {
        var proc = stackalloc byte[ProcFd.BufferSize];
        ProcFd.Format(pathFd, proc);
        var buf = stackalloc byte[4096];
        nint n;
        fixed (byte* name = XattrName) n = Libc.GetXattr(proc, name, buf, 4096);
        if (n < 0)
        {
            var err = Libc.Errno();
            if (err == Errno.ENODATA || err == Errno.EOPNOTSUPP) return null;
            throw new IOException($"cannot read the tier record: errno {err}");
        }
        return StubXattr.Decode(new ReadOnlySpan<byte>(buf, (int)n));
    }

    public static void Write(int pathFd, StubRecord record)
    {
        var value = StubXattr.Encode(record);
        var proc = stackalloc byte[ProcFd.BufferSize];
        ProcFd.Format(pathFd, proc);
        fixed (byte* name = XattrName)
        fixed (byte* v = value)
            if (Libc.SetXattr(proc, name, v, (nuint)value.Length, 0) != 0)
                throw new IOException($"cannot write the tier record: errno {Libc.Errno()}");
    }

    public static void Remove(int pathFd)
    {
        var proc = stackalloc byte[ProcFd.BufferSize];
        ProcFd.Format(pathFd, proc);
        fixed (byte* name = XattrName)
            if (Libc.RemoveXattr(proc, name) != 0 && Libc.Errno() != Errno.ENODATA)
                throw new IOException($"cannot remove the tier record: errno {Libc.Errno()}");
    }

    /// <summary>
    /// Drops a file's data but keeps its size (a sparse file that holds no data extent): one
    /// punch-hole call where the filesystem has it, else truncate to 0 and back. The punch covers
    /// whole blocks past the end: a punch of [0, size) leaves a partial last block allocated (ext4).
    /// </summary>
    public static void DropData(int writeFd, long size)
    {
        if (size == 0) return;
        var st = Stat(writeFd);
        var block = Math.Max(st.BlkSize, 64 * 1024);
        var span = (size + block - 1) / block * block;
        if (Libc.Fallocate(writeFd, Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE, 0, span) == 0 && !HoldsData(writeFd)) return;
        if (Libc.Ftruncate(writeFd, 0) != 0 || Libc.Ftruncate(writeFd, size) != 0)
            throw new IOException($"cannot drop the file's data: errno {Libc.Errno()}");
    }

    /// <summary>
    /// A write lease on <paramref name="fd"/> (the file's only open, for writing): granted only while
    /// no other open file reads or writes the file, anywhere: a process using the backing tree
    /// directly, or a handle the kernel serves by passthrough for a mount whose daemon is gone. O_PATH
    /// descriptors do not count. While held, another open of the file waits, and the kernel signals the
    /// taker (SIGIO, ignored: <see cref="LeaseBreakSignal"/>). 0 when granted, EAGAIN when the file is
    /// open elsewhere, another errno when the filesystem has no leases (the caller then goes on without this proof).
    /// </summary>
    public static int TakeWriteLease(int fd)
    {
        LeaseBreakSignal.Ignore();
        return Libc.FcntlInt(fd, Libc.F_SETLEASE, Libc.F_WRLCK) == 0 ? 0 : Libc.Errno();
    }

    public static void DropLease(int fd) => Libc.FcntlInt(fd, Libc.F_SETLEASE, Libc.F_UNLCK);

    /// <summary>True when the file has a data extent anywhere (SEEK_DATA finds one); false for a file of holes only.</summary>
    public static bool HoldsData(int fd)
    {
        var at = Libc.Lseek(fd, 0, Libc.SEEK_DATA);
        // ENXIO: no data at or after 0. A filesystem without SEEK_DATA reports all of the file as data.
        return at >= 0 || Libc.Errno() != Errno.ENXIO;
    }

    /// <summary>Puts back atime and mtime (ns since the epoch) that our own writes moved.</summary>
    public static void RestoreTimes(int fd, long atimeNs, long mtimeNs)
    {
        var tv = stackalloc Timespec[2];
        // Floored: a time before 1970 has negative seconds and nanoseconds in [0, 1e9), as the kernel wants them.
        tv[0] = Timespec.FromNs(atimeNs);
        tv[1] = Timespec.FromNs(mtimeNs);
        if (Libc.Futimens(fd, tv) != 0)
            throw new IOException($"cannot restore the file's times: errno {Libc.Errno()}");
    }

    public static StatX Stat(int fd) => FdStat.Of(fd);

    /// <summary>Opens the file behind an O_PATH descriptor for data access.</summary>
    public static int Reopen(int pathFd, int flags)
    {
        var proc = stackalloc byte[ProcFd.BufferSize];
        var fd = Libc.OpenAt(Libc.AT_FDCWD, ProcFd.Format(pathFd, proc), flags | Libc.O_CLOEXEC, 0);
        if (fd < 0) throw new IOException($"cannot open the file: errno {Libc.Errno()}");
        return fd;
    }

    public static long Ns(StatXTimestamp t) => FdStat.Ns(t);

    /// <summary>
    /// Blocks a stub may hold that are not data: the filesystem's own metadata for it, above all
    /// an external xattr block (ext4 keeps our record there: 4–8 KiB).
    /// </summary>
    public const long MetadataSlack = 16 * 1024;

    /// <summary>
    /// True when the file may be a stub: a regular file whose allocated blocks do not cover its
    /// size plus metadata. A stub is sparse, so this never misses one; small files always pass
    /// (a 4 KiB file and a 4 KiB stub look alike) and cost one xattr read.
    /// </summary>
    public static bool MayBeStub(in StatX st) =>
        (st.Mode & Libc.S_IFMT) == Libc.S_IFREG && st.Size > 0 && st.Blocks * 512 < st.Size + MetadataSlack;
}
