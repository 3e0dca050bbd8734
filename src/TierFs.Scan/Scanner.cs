using System.Text;
using TierFs.Index;
using TierFs.Posix;

namespace TierFs.Scan;

/// <summary>
/// Walks a backing tree with a pool of threads and brings the index in step with it, writing only
/// what changed since the last scan: new, changed, deleted and renamed entries, and the tier rows
/// of files whose stub record may have changed. Never follows a symlink nor enters another
/// filesystem. Thread-safe, but scans of one index should not overlap.
/// </summary>
public sealed class Scanner(TierIndex index, ScanOptions? options = null)
{
    private readonly ScanOptions _options = options ?? new ScanOptions();

    /// <summary>Scans the tree whose root directory is <paramref name="rootFd"/> (O_PATH is enough; it stays open).</summary>
    public ScanResult Scan(int rootFd)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rootFd);
        return new ScanRun(index, _options, rootFd).Run();
    }

    /// <summary>Scans the tree at <paramref name="rootPath"/>.</summary>
    public unsafe ScanResult Scan(string rootPath)
    {
        var bytes = Encoding.UTF8.GetBytes(rootPath + "\0");
        int fd;
        fixed (byte* p = bytes) fd = Libc.OpenAt(Libc.AT_FDCWD, p, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        if (fd < 0) throw new IOException($"cannot open {rootPath}: errno {Libc.Errno()}");
        try
        {
            return Scan(fd);
        }
        finally
        {
            Libc.Close(fd);
        }
    }
}
