using System.Runtime.InteropServices;
using System.Text;

namespace TierFs.IntegrationTests.Harness;

/// <summary>A timestamp as the kernel keeps it.</summary>
public readonly record struct Ts(long Sec, uint Nsec) : IComparable<Ts>
{
    public int CompareTo(Ts other) => Sec != other.Sec ? Sec.CompareTo(other.Sec) : Nsec.CompareTo(other.Nsec);
    public static bool operator <(Ts a, Ts b) => a.CompareTo(b) < 0;
    public static bool operator >(Ts a, Ts b) => a.CompareTo(b) > 0;
    public static bool operator <=(Ts a, Ts b) => a.CompareTo(b) <= 0;
    public static bool operator >=(Ts a, Ts b) => a.CompareTo(b) >= 0;
    public override string ToString() => $"{Sec}.{Nsec:D9}";
}

/// <summary>What statx says about one file (no follow unless asked).</summary>
public sealed record StatInfo(
    uint DevMajor, uint DevMinor, ulong Ino, uint Mode, uint Nlink, uint Uid, uint Gid,
    long Size, long Blocks, uint BlkSize, uint RdevMajor, uint RdevMinor, Ts Atime, Ts Mtime, Ts Ctime)
{
    public uint Type => Mode & Px.S_IFMT;
    public uint Perm => Mode & 0xFFF;
    public bool IsDir => Type == Px.S_IFDIR;
    public bool IsReg => Type == Px.S_IFREG;
    public bool IsLink => Type == Px.S_IFLNK;

    /// <summary>Everything but the device, inode number and times: what a plain dir and the mount must agree on.</summary>
    public string Portable =>
        $"{TypeName(Type)} perm={Convert.ToString(Perm, 8)} nlink={Nlink} uid={Uid} gid={Gid} size={(IsDir ? "(dir)" : Size.ToString())} rdev={RdevMajor}:{RdevMinor}";

    /// <summary>Everything the overlay passes through from the backing inode (not the device).</summary>
    public string Full => $"{Portable} size={Size} ino={Ino} blocks={Blocks} atime={Atime} mtime={Mtime} ctime={Ctime}";

    public static string TypeName(uint type) => type switch
    {
        Px.S_IFREG => "reg",
        Px.S_IFDIR => "dir",
        Px.S_IFLNK => "lnk",
        Px.S_IFIFO => "fifo",
        Px.S_IFCHR => "chr",
        Px.S_IFBLK => "blk",
        Px.S_IFSOCK => "sock",
        _ => $"type{type:x}",
    };
}

public sealed class PosixException(string what, int errno)
    : Exception($"{what}: {Px.Name(errno)} ({Marshal.GetPInvokeErrorMessage(errno)})")
{
    public int Errno { get; } = errno;
}

/// <summary>
/// The libc calls the tests make, with plain string paths. Try* methods return 0 or the errno;
/// the others throw <see cref="PosixException"/>. Raw Linux x86-64/arm64 flag values.
/// </summary>
public static unsafe partial class Px
{
    private const string L = "libc";

    public const int EPERM = 1, ENOENT = 2, EIO = 5, ENXIO = 6, EBADF = 9, EAGAIN = 11, EWOULDBLOCK = 11, EACCES = 13,
        EBUSY = 16, EEXIST = 17, EXDEV = 18, ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ENOSPC = 28, ERANGE = 34,
        ENAMETOOLONG = 36, ENOTEMPTY = 39, ELOOP = 40, ENODATA = 61, EOPNOTSUPP = 95, ENOTCONN = 107, ECONNABORTED = 103;

    private static readonly Dictionary<int, string> Names = new()
    {
        [0] = "OK", [EPERM] = "EPERM", [ENOENT] = "ENOENT", [EIO] = "EIO", [ENXIO] = "ENXIO", [EBADF] = "EBADF",
        [EAGAIN] = "EAGAIN", [EACCES] = "EACCES", [EBUSY] = "EBUSY", [EEXIST] = "EEXIST", [EXDEV] = "EXDEV",
        [ENOTDIR] = "ENOTDIR", [EISDIR] = "EISDIR", [EINVAL] = "EINVAL", [ENOSPC] = "ENOSPC", [ERANGE] = "ERANGE",
        [ENAMETOOLONG] = "ENAMETOOLONG", [ENOTEMPTY] = "ENOTEMPTY", [ELOOP] = "ELOOP", [ENODATA] = "ENODATA",
        [EOPNOTSUPP] = "EOPNOTSUPP", [ENOTCONN] = "ENOTCONN", [ECONNABORTED] = "ECONNABORTED", [38] = "ENOSYS",
        [31] = "EMLINK", [7] = "E2BIG", [24] = "EMFILE", [23] = "ENFILE", [26] = "ETXTBSY", [30] = "EROFS", [19] = "ENODEV", [4] = "EINTR",
    };

    public static string Name(int errno) => Names.TryGetValue(errno, out var n) ? n : $"errno{errno}";

    public const int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200, AT_EACCESS = 0x200, AT_EMPTY_PATH = 0x1000;
    public const int O_DIRECT = 0x4000; // x86-64 (0x10000 on arm64)
    public const int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0x40, O_EXCL = 0x80, O_TRUNC = 0x200,
        O_APPEND = 0x400, O_NONBLOCK = 0x800, O_DIRECTORY = 0x10000, O_NOFOLLOW = 0x20000, O_CLOEXEC = 0x80000, O_PATH = 0x200000;
    public const uint S_IFMT = 0xF000, S_IFSOCK = 0xC000, S_IFLNK = 0xA000, S_IFREG = 0x8000, S_IFBLK = 0x6000,
        S_IFDIR = 0x4000, S_IFCHR = 0x2000, S_IFIFO = 0x1000, S_ISUID = 0x800, S_ISGID = 0x400, S_ISVTX = 0x200;
    public const uint RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2;
    public const long UTIME_NOW = (1L << 30) - 1, UTIME_OMIT = (1L << 30) - 2;
    public const int XATTR_CREATE = 1, XATTR_REPLACE = 2;
    public const int R_OK = 4, W_OK = 2, X_OK = 1, F_OK = 0;
    public const int FALLOC_FL_KEEP_SIZE = 1, FALLOC_FL_PUNCH_HOLE = 2, FALLOC_FL_ZERO_RANGE = 0x10;
    public const int SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2, SEEK_DATA = 3, SEEK_HOLE = 4;
    public const int LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;
    public const int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1, MS_SYNC = 4;
    public const int SIGINT = 2, SIGKILL = 9, SIGTERM = 15;

    public static int Errno => Marshal.GetLastPInvokeError();

    private static int Check(int res, string what) => res >= 0 ? res : throw new PosixException(what, Errno);
    private static long Check(long res, string what) => res >= 0 ? res : throw new PosixException(what, Errno);
    private static int Status(int res) => res == 0 ? 0 : Errno;

    // ---- raw imports ----

    [LibraryImport(L, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string path, int flags, uint mask, byte* buf);
    [LibraryImport(L, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags, uint mode);
    [LibraryImport(L, EntryPoint = "close", SetLastError = true)]
    private static partial int close(int fd);
    [LibraryImport(L, EntryPoint = "pipe", SetLastError = true)]
    private static partial int pipe(int* fds);

    /// <summary>pipe(2) without O_CLOEXEC: both ends are inherited by every program this process starts.</summary>
    public static (int Read, int Write) InheritablePipe()
    {
        var fds = stackalloc int[2];
        Check(pipe(fds), "pipe");
        return (fds[0], fds[1]);
    }
    [LibraryImport(L, EntryPoint = "pread64", SetLastError = true)]
    private static partial nint pread(int fd, byte* buf, nuint count, long offset);
    [LibraryImport(L, EntryPoint = "pwrite64", SetLastError = true)]
    private static partial nint pwrite(int fd, byte* buf, nuint count, long offset);
    [LibraryImport(L, EntryPoint = "read", SetLastError = true)]
    private static partial nint read(int fd, byte* buf, nuint count);
    [LibraryImport(L, EntryPoint = "write", SetLastError = true)]
    private static partial nint write(int fd, byte* buf, nuint count);
    [LibraryImport(L, EntryPoint = "mkdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mkdir(string path, uint mode);
    [LibraryImport(L, EntryPoint = "rmdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rmdir(string path);
    [LibraryImport(L, EntryPoint = "unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int unlink(string path);
    [LibraryImport(L, EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int renameat2(int olddirfd, string oldpath, int newdirfd, string newpath, uint flags);
    [LibraryImport(L, EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int link(string oldpath, string newpath);
    [LibraryImport(L, EntryPoint = "symlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int symlink(string target, string linkpath);
    [LibraryImport(L, EntryPoint = "readlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint readlink(string path, byte* buf, nuint size);
    [LibraryImport(L, EntryPoint = "mknod", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mknod(string path, uint mode, ulong dev);
    [LibraryImport(L, EntryPoint = "fchmodat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int fchmodat(int dirfd, string path, uint mode, int flags);
    [LibraryImport(L, EntryPoint = "fchownat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int fchownat(int dirfd, string path, uint uid, uint gid, int flags);
    [LibraryImport(L, EntryPoint = "truncate64", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int truncate(string path, long length);
    [LibraryImport(L, EntryPoint = "ftruncate64", SetLastError = true)]
    private static partial int ftruncate(int fd, long length);
    [LibraryImport(L, EntryPoint = "utimensat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int utimensat(int dirfd, string path, long* times, int flags);
    [LibraryImport(L, EntryPoint = "futimens", SetLastError = true)]
    private static partial int futimens(int fd, long* times);
    [LibraryImport(L, EntryPoint = "lsetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lsetxattr(string path, string name, byte* value, nuint size, int flags);
    [LibraryImport(L, EntryPoint = "lgetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint lgetxattr(string path, string name, byte* value, nuint size);
    [LibraryImport(L, EntryPoint = "llistxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint llistxattr(string path, byte* list, nuint size);
    [LibraryImport(L, EntryPoint = "lremovexattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lremovexattr(string path, string name);
    [LibraryImport(L, EntryPoint = "faccessat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int faccessat(int dirfd, string path, int mode, int flags);
    [LibraryImport(L, EntryPoint = "fallocate64", SetLastError = true)]
    private static partial int fallocate(int fd, int mode, long offset, long len);
    [LibraryImport(L, EntryPoint = "lseek64", SetLastError = true)]
    private static partial long lseek(int fd, long offset, int whence);
    [LibraryImport(L, EntryPoint = "copy_file_range", SetLastError = true)]
    private static partial nint copy_file_range(int fdIn, long* offIn, int fdOut, long* offOut, nuint len, uint flags);
    [LibraryImport(L, EntryPoint = "flock", SetLastError = true)]
    private static partial int flock(int fd, int op);
    [LibraryImport(L, EntryPoint = "fsync", SetLastError = true)]
    private static partial int fsync(int fd);
    [LibraryImport(L, EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int fdatasync(int fd);
    [LibraryImport(L, EntryPoint = "mmap", SetLastError = true)]
    private static partial IntPtr mmap(IntPtr addr, nuint len, int prot, int flags, int fd, long off);
    [LibraryImport(L, EntryPoint = "munmap", SetLastError = true)]
    private static partial int munmap(IntPtr addr, nuint len);
    [LibraryImport(L, EntryPoint = "msync", SetLastError = true)]
    private static partial int msync(IntPtr addr, nuint len, int flags);
    [LibraryImport(L, EntryPoint = "statvfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statvfs(string path, ulong* buf);
    [LibraryImport(L, EntryPoint = "getdents64", SetLastError = true)]
    private static partial nint getdents64(int fd, byte* buf, nuint count);
    [LibraryImport(L, EntryPoint = "kill", SetLastError = true)]
    private static partial int kill(int pid, int sig);
    [LibraryImport(L, EntryPoint = "umask")]
    private static partial uint umask(uint mask);

    // ---- stat ----

    public static int TryStat(string path, out StatInfo st, bool follow = false) => TryStatAt(AT_FDCWD, path, follow ? 0 : AT_SYMLINK_NOFOLLOW, out st);

    public static StatInfo Stat(string path, bool follow = false) =>
        TryStat(path, out var st, follow) is var e and not 0 ? throw new PosixException($"stat {path}", e) : st;

    public static StatInfo FStat(int fd) =>
        TryStatAt(fd, "", AT_EMPTY_PATH, out var st) is var e and not 0 ? throw new PosixException($"fstat {fd}", e) : st;

    private static int TryStatAt(int dirfd, string path, int flags, out StatInfo st)
    {
        var b = stackalloc byte[256];
        if (statx(dirfd, path, flags, 0xfff, b) != 0)
        {
            st = null!;
            return Errno;
        }
        static Ts T(byte* p) => new(*(long*)p, *(uint*)(p + 8));
        st = new StatInfo(
            DevMajor: *(uint*)(b + 136), DevMinor: *(uint*)(b + 140), Ino: *(ulong*)(b + 32), Mode: *(ushort*)(b + 28),
            Nlink: *(uint*)(b + 16), Uid: *(uint*)(b + 20), Gid: *(uint*)(b + 24), Size: *(long*)(b + 40),
            Blocks: *(long*)(b + 48), BlkSize: *(uint*)(b + 4), RdevMajor: *(uint*)(b + 128), RdevMinor: *(uint*)(b + 132),
            Atime: T(b + 64), Mtime: T(b + 112), Ctime: T(b + 96));
        return 0;
    }

    // ---- files ----

    public static int TryOpen(string path, int flags, out int fd, uint mode = 0x1A4 /* 0644 */)
    {
        fd = open(path, flags | O_CLOEXEC, mode);
        return fd >= 0 ? 0 : Errno;
    }

    public static int Open(string path, int flags, uint mode = 0x1A4) => Check(open(path, flags | O_CLOEXEC, mode), $"open {path}");

    public static void Close(int fd) => Check(close(fd), $"close {fd}");

    public static int TryClose(int fd) => Status(close(fd));

    public static byte[] PRead(int fd, int count, long offset)
    {
        var buf = new byte[count];
        fixed (byte* p = buf)
        {
            var n = (int)Check((long)pread(fd, p, (nuint)count, offset), $"pread {fd}");
            return buf[..n];
        }
    }

    public static int TryPRead(int fd, int count, long offset, out byte[] data)
    {
        var buf = new byte[count];
        fixed (byte* p = buf)
        {
            var n = pread(fd, p, (nuint)count, offset);
            data = n >= 0 ? buf[..(int)n] : [];
            return n >= 0 ? 0 : Errno;
        }
    }

    public static int PWrite(int fd, ReadOnlySpan<byte> data, long offset)
    {
        fixed (byte* p = data) return (int)Check((long)pwrite(fd, p, (nuint)data.Length, offset), $"pwrite {fd}");
    }

    public static int Write(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data) return (int)Check((long)write(fd, p, (nuint)data.Length), $"write {fd}");
    }

    public static int TryWrite(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data) return write(fd, p, (nuint)data.Length) >= 0 ? 0 : Errno;
    }

    public static byte[] Read(int fd, int count)
    {
        var buf = new byte[count];
        fixed (byte* p = buf)
        {
            var n = (int)Check((long)read(fd, p, (nuint)count), $"read {fd}");
            return buf[..n];
        }
    }

    /// <summary>pwrite/pread from raw memory (for O_DIRECT's aligned buffers): the count, or -errno.</summary>
    public static long PWriteRaw(int fd, IntPtr buf, long count, long offset)
    {
        var n = (long)pwrite(fd, (byte*)buf, (nuint)count, offset);
        return n >= 0 ? n : -Errno;
    }

    public static long PReadRaw(int fd, IntPtr buf, long count, long offset)
    {
        var n = (long)pread(fd, (byte*)buf, (nuint)count, offset);
        return n >= 0 ? n : -Errno;
    }

    public static int Ftruncate(int fd, long len) => Status(ftruncate(fd, len));
    public static int Fsync(int fd) => Status(fsync(fd));
    public static int Fdatasync(int fd) => Status(fdatasync(fd));
    public static int Fallocate(int fd, int mode, long off, long len) => Status(fallocate(fd, mode, off, len));
    public static int Flock(int fd, int op) => Status(flock(fd, op));

    /// <summary>The new offset, or -errno.</summary>
    public static long Lseek(int fd, long off, int whence)
    {
        var r = lseek(fd, off, whence);
        return r >= 0 ? r : -Errno;
    }

    /// <summary>Bytes copied, or -errno.</summary>
    public static long CopyFileRange(int fdIn, long offIn, int fdOut, long offOut, long len)
    {
        var n = copy_file_range(fdIn, &offIn, fdOut, &offOut, (nuint)len, 0);
        return n >= 0 ? n : -Errno;
    }

    // ---- names ----

    public static int Mkdir(string path, uint mode = 0x1ED /* 0755 */) => Status(mkdir(path, mode));
    public static int Rmdir(string path) => Status(rmdir(path));
    public static int Unlink(string path) => Status(unlink(path));
    public static int Rename(string from, string to, uint flags = 0) => Status(renameat2(AT_FDCWD, from, AT_FDCWD, to, flags));
    public static int Link(string from, string to) => Status(link(from, to));
    public static int Symlink(string target, string path) => Status(symlink(target, path));
    public static int Mknod(string path, uint mode, ulong dev = 0) => Status(mknod(path, mode, dev));

    public static int TryReadlink(string path, out string target)
    {
        var buf = new byte[8192];
        fixed (byte* p = buf)
        {
            var n = readlink(path, p, (nuint)buf.Length);
            target = n >= 0 ? Encoding.UTF8.GetString(buf, 0, (int)n) : "";
            return n >= 0 ? 0 : Errno;
        }
    }

    // ---- attributes ----

    public static int Chmod(string path, uint mode) => Status(fchmodat(AT_FDCWD, path, mode, 0));
    public static int Lchown(string path, uint uid, uint gid) => Status(fchownat(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW));
    public static int Truncate(string path, long len) => Status(truncate(path, len));
    public static int Access(string path, int mode) => Status(faccessat(AT_FDCWD, path, mode, 0));

    /// <summary>utimensat: pass UTIME_NOW / UTIME_OMIT as the nsec of a time to mean those.</summary>
    public static int Utimens(string path, Ts atime, Ts mtime, bool follow = true)
    {
        var t = stackalloc long[4] { atime.Sec, atime.Nsec, mtime.Sec, mtime.Nsec };
        return Status(utimensat(AT_FDCWD, path, t, follow ? 0 : AT_SYMLINK_NOFOLLOW));
    }

    public static int Futimens(int fd, Ts atime, Ts mtime)
    {
        var t = stackalloc long[4] { atime.Sec, atime.Nsec, mtime.Sec, mtime.Nsec };
        return Status(futimens(fd, t));
    }

    public static readonly Ts Now = new(0, (uint)UTIME_NOW);
    public static readonly Ts Omit = new(0, (uint)UTIME_OMIT);

    public static uint Umask(uint mask) => umask(mask);

    // ---- xattrs (never following symlinks) ----

    public static int SetXattr(string path, string name, ReadOnlySpan<byte> value, int flags = 0)
    {
        fixed (byte* v = value) return Status(lsetxattr(path, name, v, (nuint)value.Length, flags));
    }

    public static int TryGetXattr(string path, string name, out byte[] value, int bufferSize = 65536)
    {
        var buf = new byte[bufferSize];
        fixed (byte* p = buf)
        {
            var n = lgetxattr(path, name, bufferSize == 0 ? null : p, (nuint)bufferSize);
            value = n >= 0 && bufferSize > 0 ? buf[..(int)n] : [];
            if (n >= 0 && bufferSize == 0) value = new byte[n];
            return n >= 0 ? 0 : Errno;
        }
    }

    public static int TryListXattr(string path, out string[] names, int bufferSize = 65536)
    {
        var buf = new byte[Math.Max(bufferSize, 1)];
        fixed (byte* p = buf)
        {
            var n = llistxattr(path, bufferSize == 0 ? null : p, (nuint)bufferSize);
            names = n > 0 && bufferSize > 0
                ? Encoding.UTF8.GetString(buf, 0, (int)n).Split('\0', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray()
                : [];
            if (n >= 0 && bufferSize == 0) names = [$"(length {n})"];
            return n >= 0 ? 0 : Errno;
        }
    }

    public static int RemoveXattr(string path, string name) => Status(lremovexattr(path, name));

    // ---- memory maps ----

    public static IntPtr Mmap(int fd, long len, int prot)
    {
        var p = mmap(IntPtr.Zero, (nuint)len, prot, MAP_SHARED, fd, 0);
        return p == new IntPtr(-1) ? throw new PosixException($"mmap {fd}", Errno) : p;
    }

    public static void Munmap(IntPtr p, long len) => Check(munmap(p, (nuint)len), "munmap");
    public static int Msync(IntPtr p, long len) => Status(msync(p, (nuint)len, MS_SYNC));

    // ---- filesystems, directories, processes ----

    public sealed record VfsInfo(ulong Bsize, ulong Frsize, ulong Blocks, ulong Bfree, ulong Bavail, ulong Files, ulong Ffree, ulong Favail, ulong Fsid, ulong Flag, ulong Namemax);

    public static VfsInfo StatVfs(string path)
    {
        var b = stackalloc ulong[14];
        Check(statvfs(path, b), $"statvfs {path}");
        return new VfsInfo(b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10]);
    }

    public readonly record struct DirEntry(ulong Ino, long Off, byte Type, string Name);

    /// <summary>One getdents64 call with a buffer of <paramref name="bufferSize"/> bytes; empty at the end.</summary>
    public static List<DirEntry> GetDents(int fd, int bufferSize = 4096)
    {
        var buf = new byte[bufferSize];
        var result = new List<DirEntry>();
        fixed (byte* p = buf)
        {
            var n = (long)getdents64(fd, p, (nuint)bufferSize);
            if (n < 0) throw new PosixException($"getdents64 {fd}", Errno);
            for (long pos = 0; pos < n;)
            {
                var e = p + pos;
                var reclen = *(ushort*)(e + 16);
                var name = Marshal.PtrToStringUTF8((IntPtr)(e + 19))!;
                result.Add(new DirEntry(*(ulong*)e, *(long*)(e + 8), e[18], name));
                pos += reclen;
            }
        }
        return result;
    }

    public static int Kill(int pid, int sig) => Status(kill(pid, sig));
}
