using System.Runtime.InteropServices;

namespace TierFs.Posix;

/// <summary>
/// Keeps the process's last <see cref="Size"/> descriptors for the runtime. A .NET thread needs a
/// pipe to start; accepting a control connection, a socket to S3 and the index's journal need one
/// too. When the backing opens of a busy mount took every descriptor up to the soft limit, the
/// thread pool failed to start a worker (OutOfMemoryException) and the daemon died with its mount.
/// So every descriptor TierFs opens through <see cref="Libc"/> is checked here: one that leaves
/// fewer than <see cref="Size"/> free is closed again and the call fails with EMFILE, which the
/// caller reports as it reports the kernel's own EMFILE.
/// </summary>
public static unsafe class DescriptorReserve
{
    /// <summary>Descriptors left for the runtime: thread starts, sockets, the index's files.</summary>
    public const int Size = 64;

    private static long _refused;

    /// <summary>Called (from the refusing thread) with the soft limit when a descriptor is refused.</summary>
    public static Action<ulong>? Refusing { get; set; }

    /// <summary>Opens refused so far to keep the reserve.</summary>
    public static long Refused => Interlocked.Read(ref _refused);

    /// <summary>
    /// Passes a fresh descriptor (or a failure) through. The kernel hands out the lowest free
    /// number, so descriptor N means N are in use below it: the check needs no count. The soft
    /// limit is read each time, since an administrator may lower it on the live daemon (prlimit).
    /// </summary>
    public static int Keep(int fd)
    {
        if (fd < Size) return fd; // cannot be near any limit the daemon runs with
        RLimit lim;
        if (Libc.GetRlimit(Libc.RLIMIT_NOFILE, &lim) != 0 || (ulong)fd + Size < lim.Cur) return fd;
        Libc.Close(fd);
        Interlocked.Increment(ref _refused);
        Refusing?.Invoke(lim.Cur);
        Marshal.SetLastPInvokeError(Errno.EMFILE);
        return -1;
    }
}
