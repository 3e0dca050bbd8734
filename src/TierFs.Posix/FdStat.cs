namespace TierFs.Posix;

/// <summary>statx of an open descriptor (an O_PATH one too), without following a symlink.</summary>
public static unsafe class FdStat
{
    /// <summary>The stat of the file behind <paramref name="fd"/>; an IOException naming the errno otherwise.</summary>
    public static StatX Of(int fd)
    {
        StatX st;
        var empty = stackalloc byte[1];
        empty[0] = 0;
        if (Libc.Statx(fd, empty, Libc.AT_EMPTY_PATH | Libc.AT_SYMLINK_NOFOLLOW, StatX.BasicStats, &st) != 0)
            throw new IOException($"cannot stat: errno {Libc.Errno()}");
        return st;
    }

    /// <summary>A timestamp in ns since the epoch.</summary>
    public static long Ns(StatXTimestamp t) => t.Sec * 1_000_000_000 + t.Nsec;
}
