using System.Runtime.InteropServices;

namespace TierFs.Posix;

/// <summary>
/// Keeps the process's last <see cref="Size"/> descriptors for the runtime. A .NET thread needs a
/// pipe to start; accepting a control connection, a socket to S3 and the index's journal need one
/// too. When the backing opens of a busy mount took every descriptor up to the soft limit, the
/// thread pool failed to start a worker (OutOfMemoryException) and the daemon died with its mount.
/// So every descriptor TierFs opens through <see cref="Libc"/> is checked here: one that leaves
/// fewer than <see cref="Size"/> free is closed again and the call fails with EMFILE, which the
/// caller reports as it reports the kernel's own EMFILE. An open that may create or truncate is
/// asked first instead (<see cref="HasRoom"/>): closing it again would not undo what it did.
/// </summary>
public static unsafe class DescriptorReserve
{
    /// <summary>Descriptors left for the runtime: thread starts, sockets, the index's files.</summary>
    public const int Size = 64;

    private static long _refused;
    private static ulong _softLimit;

    /// <summary>Called (from the refusing thread) with the soft limit when a descriptor is refused.</summary>
    public static Action<ulong>? Refusing { get; set; }

    /// <summary>Opens refused so far to keep the reserve.</summary>
    public static long Refused => Interlocked.Read(ref _refused);

    /// <summary>
    /// The soft limit as last read: every check of a descriptor past the first <see cref="Size"/>
    /// reads it (read now if none did yet; 0 if it cannot be read). Lets others size themselves by
    /// the live limit without a system call of their own.
    /// </summary>
    public static ulong SoftLimit
    {
        get
        {
            var soft = Volatile.Read(ref _softLimit);
            return soft != 0 ? soft : ReadSoftLimit();
        }
    }

    /// <summary>
    /// Passes a fresh descriptor (or a failure) through. The kernel hands out the lowest free
    /// number, so descriptor N means N are in use below it: the check needs no count. The soft
    /// limit is read each time, since an administrator may lower it on the live daemon (prlimit).
    /// </summary>
    public static int Keep(int fd)
    {
        if (fd < 0 || Leaves(fd)) return fd;
        Libc.Close(fd);
        return Refuse();
    }

    /// <summary>
    /// Whether a descriptor opened now, and one more after it, would leave the reserve: asked before
    /// an open that changes the file (O_CREAT, O_TRUNC), which cannot be closed again afterwards as
    /// if nothing happened. The one more is the new inode's own descriptor, which a create opens
    /// next: were that one refused, the create would fail with its file already made.
    /// The probe is the lowest free number: what the open would get, unless another thread opens first.
    /// </summary>
    public static bool HasRoom()
    {
        var probe = Libc.ProbeLowestFree();
        if (probe < 0) return false;
        Libc.Close(probe);
        return Leaves(probe + 1);
    }

    /// <summary>Fails the call as the kernel would at the limit: -1 and errno EMFILE.</summary>
    public static int Refuse()
    {
        var limit = ReadSoftLimit();
        Interlocked.Increment(ref _refused);
        Refusing?.Invoke(limit);
        Marshal.SetLastPInvokeError(Errno.EMFILE);
        return -1;
    }

    /// <summary>Whether descriptor number <paramref name="fd"/> leaves the reserve free.</summary>
    private static bool Leaves(int fd)
    {
        if (fd < Size) return true; // cannot be near any limit the daemon runs with
        var soft = ReadSoftLimit();
        return soft == 0 || (ulong)fd + Size < soft;
    }

    private static ulong ReadSoftLimit()
    {
        RLimit lim;
        var soft = Libc.GetRlimit(Libc.RLIMIT_NOFILE, &lim) == 0 ? lim.Cur : 0;
        // Written only when it moved: every descriptor check reads it, from any thread.
        if (soft != 0 && soft != Volatile.Read(ref _softLimit)) Volatile.Write(ref _softLimit, soft);
        return soft;
    }
}
