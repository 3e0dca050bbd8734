using TierFs.Posix;

namespace TierFs.Daemon;

/// <summary>The backing filesystem's usage from fstatvfs of its root.</summary>
public sealed unsafe class BackingUsage(int rootFd) : IUsageProbe
{
    public (long Used, long Size) Usage()
    {
        StatVfs st;
        if (Libc.Fstatvfs(rootFd, &st) != 0) throw new IOException($"cannot read the backing filesystem's usage: errno {Libc.Errno()}");
        var used = (long)((st.Blocks - st.Bfree) * st.Frsize);
        return (used, used + (long)(st.Bavail * st.Frsize));
    }
}
