using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using TierFs.Posix;
using TierFs.Records;

namespace TierFs.Scan;

/// <summary>The calls on one directory entry, by its directory's fd and its name (null-terminated bytes), that the walk needs.</summary>
internal static unsafe partial class NativeEntry
{
    // lgetxattr: never follows a symlink put where a file was a moment ago.
    [LibraryImport("libc", EntryPoint = "lgetxattr", SetLastError = true)]
    private static partial nint LGetXattr(byte* path, byte* name, byte* value, nuint size);

    // getxattrat(2) (Linux 6.13): the xattr of a name in a directory fd, without building a
    // /proc/self/fd path that the kernel then walks through procfs for every file.
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial nint Syscall(nint number, nint dirFd, byte* path, nint atFlags, byte* name, XattrArgs* args, nint argsSize);

    private const nint SysGetXattrAt = 464; // the same number on every architecture (asm-generic)

    [StructLayout(LayoutKind.Sequential)]
    private struct XattrArgs
    {
        public ulong Value;
        public uint Size;
        public uint Flags;
    }

    /// <summary>Cleared when the kernel has no getxattrat: then the /proc path is used.</summary>
    private static volatile bool _haveGetXattrAt = true;

    private static readonly byte[] StubName = Encoding.ASCII.GetBytes(StubXattr.Name + "\0");

    /// <summary>statx without following a symlink; false when the entry vanished since readdir (or cannot be stat'ed).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // per entry of a scan: optimized from its first call (see ScanRun)
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
    /// The raw stub record xattr of the entry; null when it has none. Throws on other errors. Most
    /// files have none: the first call asks only for the size, so the kernel allocates no buffer.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // per entry of a scan: optimized from its first call (see ScanRun)
    public static byte[]? ReadStubXattr(int dirFd, byte* name, int nameLength)
    {
        if (!_haveGetXattrAt) return ReadStubXattrByProc(dirFd, name, nameLength);
        XattrArgs args = default;
        nint n;
        fixed (byte* xname = StubName) n = Syscall(SysGetXattrAt, dirFd, name, Libc.AT_SYMLINK_NOFOLLOW, xname, &args, sizeof(XattrArgs));
        if (n < 0)
        {
            var err = Libc.Errno();
            // ENOSYS: an older kernel; EPERM: a seccomp filter that does not know the call.
            if (err is Errno.ENOSYS or Errno.EPERM)
            {
                _haveGetXattrAt = false;
                return ReadStubXattrByProc(dirFd, name, nameLength);
            }
            return NoRecord(err);
        }
        var buf = new byte[n];
        fixed (byte* v = buf)
        {
            args.Value = (ulong)v;
            args.Size = (uint)buf.Length;
            fixed (byte* xname = StubName) n = Syscall(SysGetXattrAt, dirFd, name, Libc.AT_SYMLINK_NOFOLLOW, xname, &args, sizeof(XattrArgs));
        }
        // ERANGE: rewritten larger between the two calls; the /proc path reads it whole.
        if (n < 0) return Libc.Errno() == Errno.ERANGE ? ReadStubXattrByProc(dirFd, name, nameLength) : NoRecord(Libc.Errno());
        return n == buf.Length ? buf : buf.AsSpan(0, (int)n).ToArray();
    }

    /// <summary>The same through /proc/self/fd/DIR/NAME, for kernels before getxattrat (the xattr calls take only paths).</summary>
    private static byte[]? ReadStubXattrByProc(int dirFd, byte* name, int nameLength)
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
        return n >= 0 ? new ReadOnlySpan<byte>(buf, (int)n).ToArray() : NoRecord(Libc.Errno());
    }

    private static byte[]? NoRecord(int err) =>
        err is Errno.ENODATA or Errno.EOPNOTSUPP or Errno.ENOENT ? null : throw new IOException($"cannot read the tier record: errno {err}");
}
