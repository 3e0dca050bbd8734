using System.Text;
using TierFs.Posix;

namespace TierFs.Host;

/// <summary>
/// One mount per backing tree: the daemon holds an exclusive flock on a file named by the backing
/// root's (dev, ino) in the runtime directory for as long as it serves, so a second mount of the
/// same tree (at another mountpoint, or through another path to it) is refused, whatever path it
/// was named by. Two daemons would each think they own the files' state. The kernel drops the lock
/// when the daemon dies, so a crash never blocks the next mount. The holder removes the file when it
/// lets go (still holding the lock), so that the runtime directory does not keep a file for every
/// tree ever mounted; a mount that locked a file removed meanwhile takes the lock again on the new one.
/// </summary>
public sealed unsafe class BackingLock : IDisposable
{
    private const int LOCK_EX = 2;
    private const int LOCK_NB = 4;
    private const int Attempts = 100;
    private readonly int _fd;
    private readonly byte[] _path;

    private BackingLock(int fd, byte[] path) => (_fd, _path) = (fd, path);

    public static string PathFor(in StatX backingRoot, string? runDir = null) =>
        Path.Combine(runDir ?? RuntimeFiles.RunDir, $"backing-{backingRoot.DevMajor}-{backingRoot.DevMinor}-{backingRoot.Ino}.lock");

    /// <summary>
    /// Takes the lock of the tree behind <paramref name="rootFd"/> for <paramref name="mountPoint"/>, or
    /// throws naming the mount that has it. <paramref name="runDir"/>: the runtime directory's (tests).
    /// </summary>
    public static BackingLock Take(int rootFd, string backing, string mountPoint, string? runDir = null)
    {
        var path = PathFor(StatOf(rootFd), runDir);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        for (var attempt = 1; ; attempt++)
        {
            int fd;
            fixed (byte* p = bytes) fd = Libc.OpenAt(Libc.AT_FDCWD, p, Libc.O_RDWR | Libc.O_CREAT | Libc.O_CLOEXEC, 0x180 /* 0600 */);
            if (fd < 0) throw new CommandException($"cannot create the lock {path}: errno {Libc.Errno()}");
            if (Libc.Flock(fd, LOCK_EX | LOCK_NB) != 0)
            {
                var holder = ReadHolder(fd);
                Libc.Close(fd);
                throw new CommandException($"{backing} is already served by the TierFs mount on {holder}: one tree, one mount " +
                                           "(two daemons would each think they own its files' state); unmount that one first");
            }
            if (IsNamedBy(fd, bytes))
            {
                var text = Encoding.UTF8.GetBytes(Path.GetFullPath(mountPoint) + "\n");
                Libc.Ftruncate(fd, 0);
                fixed (byte* t = text) Libc.PWrite(fd, t, (nuint)text.Length, 0);
                return new BackingLock(fd, bytes);
            }
            // The mount that held it removed it after this open: a lock on that file guards nothing.
            Libc.Close(fd);
            if (attempt == Attempts) throw new CommandException($"cannot take the lock {path}: it was removed under this mount {Attempts} times");
        }
    }

    /// <summary>Whether <paramref name="path"/> still names the file open as <paramref name="fd"/>.</summary>
    private static bool IsNamedBy(int fd, byte[] path)
    {
        StatX open, named;
        try { open = FdStat.Of(fd); }
        catch (IOException) { return false; }
        fixed (byte* p = path)
            if (Libc.Statx(Libc.AT_FDCWD, p, Libc.AT_SYMLINK_NOFOLLOW, StatX.BasicStats, &named) != 0) return false;
        return open.Ino == named.Ino && open.Dev == named.Dev;
    }

    /// <summary>Whether a running mount holds the lock of this tree (for the parent's early, clear refusal); its mountpoint, or null.</summary>
    public static string? Holder(int rootFd)
    {
        var bytes = Encoding.UTF8.GetBytes(PathFor(StatOf(rootFd)) + "\0");
        int fd;
        fixed (byte* p = bytes) fd = Libc.OpenAt(Libc.AT_FDCWD, p, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        if (fd < 0) return null;
        try
        {
            if (Libc.Flock(fd, LOCK_EX | LOCK_NB) == 0) return null; // nobody holds it (closing the fd lets it go)
            return ReadHolder(fd);
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    private static StatX StatOf(int fd)
    {
        StatX st;
        var empty = stackalloc byte[1];
        empty[0] = 0;
        if (Libc.Statx(fd, empty, Libc.AT_EMPTY_PATH, StatX.BasicStats, &st) != 0)
            throw new CommandException($"cannot stat the backing tree: errno {Libc.Errno()}");
        return st;
    }

    private static string ReadHolder(int fd)
    {
        var buf = stackalloc byte[4096];
        var n = Libc.PRead(fd, buf, 4096, 0);
        var text = n > 0 ? Encoding.UTF8.GetString(buf, (int)n).Trim() : "";
        return text.Length > 0 ? text : "another mountpoint";
    }

    /// <summary>Removes the file while still holding the lock (a mount that opened it meanwhile sees it gone and opens anew), then lets go.</summary>
    public void Dispose()
    {
        fixed (byte* p = _path) Libc.UnlinkAt(Libc.AT_FDCWD, p, 0);
        Libc.Close(_fd);
    }
}
