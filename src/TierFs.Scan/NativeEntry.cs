using System.Runtime.InteropServices;
using System.Text;
using TierFs.Posix;

namespace TierFs.Scan;

/// <summary>The calls on one directory entry, by its directory's fd and its name (null-terminated bytes), that the walk needs.</summary>
internal static unsafe partial class NativeEntry
{
    // lgetxattr: never follows a symlink put where a file was a moment ago.
    [LibraryImport("libc", EntryPoint = "lgetxattr", SetLastError = true)]
    private static partial nint LGetXattr(byte* path, byte* name, byte* value, nuint size);

    private static readonly byte[] StubName = Encoding.ASCII.GetBytes(Tiering.Stubs.StubXattr.Name + "\0");

    /// <summary>statx without following a symlink; false when the entry vanished since readdir (or cannot be stat'ed).</summary>
    public static bool Stat(int dirFd, byte* name, out StatX st, out int errno)
    {
        fixed (StatX* p = &st)
        {
            if (Libc.Statx(dirFd, name, Libc.AT_SYMLINK_NOFOLLOW, StatX.BasicStats, p) == 0)
            {
                errno = 0;
                return true;
            }
        }
        errno = Libc.Errno();
        return false;
    }

    public static string? ReadLink(int dirFd, byte* name)
    {
        var buf = stackalloc byte[4096];
        var n = Libc.ReadlinkAt(dirFd, name, buf, 4096);
        return n < 0 ? null : Encoding.UTF8.GetString(buf, (int)n);
    }

    /// <summary>
    /// The raw stub record xattr of the entry (through /proc/self/fd/DIR/NAME, as the xattr calls
    /// take only paths); null when it has none. Throws on other errors.
    /// </summary>
    public static byte[]? ReadStubXattr(int dirFd, byte* name, int nameLength)
    {
        var path = stackalloc byte[ProcFd.BufferSize + nameLength + 2];
        ProcFd.Format(dirFd, path);
        var end = 0;
        while (path[end] != 0) end++;
        path[end++] = (byte)'/';
        Buffer.MemoryCopy(name, path + end, nameLength, nameLength);
        path[end + nameLength] = 0;
        var buf = stackalloc byte[4096];
        nint n;
        fixed (byte* xname = StubName) n = LGetXattr(path, xname, buf, 4096);
        if (n >= 0) return new ReadOnlySpan<byte>(buf, (int)n).ToArray();
        var err = Libc.Errno();
        if (err == Errno.ENODATA || err == Errno.EOPNOTSUPP || err == Errno.ENOENT) return null;
        throw new IOException($"cannot read the tier record: errno {err}");
    }
}
