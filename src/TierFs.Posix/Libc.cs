using System.Runtime.InteropServices;

namespace TierFs.Posix;

/// <summary>
/// The libc calls the overlay needs, with Linux's raw flag values (FUSE hands us raw open flags,
/// and the fd-relative calls — renameat2, O_PATH, copy_file_range — have no portable wrapper).
/// Every call sets errno; read it with <see cref="Errno"/> right after a failure.
/// </summary>
public static unsafe partial class Libc
{
    private const string L = "libc";

    public const int AT_FDCWD = -100;
    public const int AT_SYMLINK_NOFOLLOW = 0x100;
    public const int AT_REMOVEDIR = 0x200;
    public const int AT_EMPTY_PATH = 0x1000;
    /// <summary>statx: ask the filesystem, not the kernel's cached attributes.</summary>
    public const int AT_STATX_FORCE_SYNC = 0x2000;

    public const int O_RDONLY = 0;
    public const int O_WRONLY = 1;
    public const int O_RDWR = 2;
    public const int O_ACCMODE = 3;
    public const int O_CREAT = 0x40;
    public const int O_EXCL = 0x80;
    public const int O_NOCTTY = 0x100;
    public const int O_NONBLOCK = 0x800;
    public const int O_DIRECT = 0x4000;
    public const int O_TRUNC = 0x200;
    public const int O_APPEND = 0x400;
    public const int O_DIRECTORY = 0x10000;
    public const int O_NOFOLLOW = 0x20000;
    public const int O_CLOEXEC = 0x80000;
    public const int O_PATH = 0x200000;

    public const uint S_IFMT = 0xF000;
    public const uint S_IFDIR = 0x4000;
    public const uint S_IFREG = 0x8000;
    public const uint S_IFLNK = 0xA000;
    public const uint S_ISUID = 0x800;
    public const uint S_ISGID = 0x400;
    public const uint S_ISVTX = 0x200;

    public const long UTIME_NOW = (1L << 30) - 1;
    public const long UTIME_OMIT = (1L << 30) - 2;

    public static int Errno() => Marshal.GetLastPInvokeError();

    /// <summary>
    /// openat(2), keeping the <see cref="DescriptorReserve"/>: an open that may create or truncate is
    /// refused before it changes anything; any other is closed again if it took the reserve.
    /// </summary>
    public static int OpenAt(int dirfd, byte* path, int flags, uint mode) =>
        (flags & (O_CREAT | O_TRUNC)) != 0
            ? DescriptorReserve.HasRoom() ? RawOpenAt(dirfd, path, flags, mode) : DescriptorReserve.Refuse()
            : DescriptorReserve.Keep(RawOpenAt(dirfd, path, flags, mode));

    [LibraryImport(L, EntryPoint = "openat", SetLastError = true)]
    private static partial int RawOpenAt(int dirfd, byte* path, int flags, uint mode);

    /// <summary>struct file_handle with room for MAX_HANDLE_SZ bytes.</summary>
    public const int MaxHandleSize = 128;

    [LibraryImport(L, EntryPoint = "name_to_handle_at", SetLastError = true)]
    public static partial int NameToHandleAt(int dirfd, byte* path, byte* handle, int* mountId, int flags);

    /// <summary>open_by_handle_at(2), keeping the <see cref="DescriptorReserve"/>.</summary>
    public static int OpenByHandleAt(int mountFd, byte* handle, int flags) => DescriptorReserve.Keep(RawOpenByHandleAt(mountFd, handle, flags));

    [LibraryImport(L, EntryPoint = "open_by_handle_at", SetLastError = true)]
    private static partial int RawOpenByHandleAt(int mountFd, byte* handle, int flags);

    [LibraryImport(L, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>dup(2), keeping the <see cref="DescriptorReserve"/>.</summary>
    public static int Dup(int fd) => DescriptorReserve.Keep(RawDup(fd));

    /// <summary>dup(2) of a descriptor closed again at once (FUSE flush): it holds nothing, so the reserve is not asked.</summary>
    public static int DupBriefly(int fd) => RawDup(fd);

    /// <summary>The lowest free descriptor number, as a descriptor to close at once (<see cref="DescriptorReserve.HasRoom"/>).</summary>
    internal static int ProbeLowestFree() => RawOpenAt(AT_FDCWD, (byte*)RootPath, O_PATH | O_CLOEXEC, 0);

    private static readonly nint RootPath = Marshal.StringToCoTaskMemUTF8("/");

    [LibraryImport(L, EntryPoint = "dup", SetLastError = true)]
    private static partial int RawDup(int fd);

    [LibraryImport(L, EntryPoint = "statx", SetLastError = true)]
    public static partial int Statx(int dirfd, byte* path, int flags, uint mask, StatX* buf);

    [LibraryImport(L, EntryPoint = "pread64", SetLastError = true)]
    public static partial nint PRead(int fd, byte* buf, nuint count, long offset);

    [LibraryImport(L, EntryPoint = "pwrite64", SetLastError = true)]
    public static partial nint PWrite(int fd, byte* buf, nuint count, long offset);

    [LibraryImport(L, EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int fd);

    [LibraryImport(L, EntryPoint = "fdatasync", SetLastError = true)]
    public static partial int Fdatasync(int fd);

    /// <summary>sync_file_range: start writeback of the dirty pages in the range, do not wait for it.</summary>
    public const uint SYNC_FILE_RANGE_WRITE = 2;

    /// <summary>Writeback control only: makes nothing durable (no metadata, no disk cache flush); fsync does.</summary>
    [LibraryImport(L, EntryPoint = "sync_file_range", SetLastError = true)]
    public static partial int SyncFileRange(int fd, long offset, long nbytes, uint flags);

    [LibraryImport(L, EntryPoint = "mkdirat", SetLastError = true)]
    public static partial int MkdirAt(int dirfd, byte* path, uint mode);

    [LibraryImport(L, EntryPoint = "mknodat", SetLastError = true)]
    public static partial int MknodAt(int dirfd, byte* path, uint mode, ulong dev);

    [LibraryImport(L, EntryPoint = "symlinkat", SetLastError = true)]
    public static partial int SymlinkAt(byte* target, int dirfd, byte* path);

    [LibraryImport(L, EntryPoint = "readlinkat", SetLastError = true)]
    public static partial nint ReadlinkAt(int dirfd, byte* path, byte* buf, nuint size);

    [LibraryImport(L, EntryPoint = "unlinkat", SetLastError = true)]
    public static partial int UnlinkAt(int dirfd, byte* path, int flags);

    [LibraryImport(L, EntryPoint = "renameat2", SetLastError = true)]
    public static partial int RenameAt2(int olddirfd, byte* oldpath, int newdirfd, byte* newpath, uint flags);

    [LibraryImport(L, EntryPoint = "linkat", SetLastError = true)]
    public static partial int LinkAt(int olddirfd, byte* oldpath, int newdirfd, byte* newpath, int flags);

    [LibraryImport(L, EntryPoint = "fchmodat", SetLastError = true)]
    public static partial int FchmodAt(int dirfd, byte* path, uint mode, int flags);

    [LibraryImport(L, EntryPoint = "fchmod", SetLastError = true)]
    public static partial int Fchmod(int fd, uint mode);

    [LibraryImport(L, EntryPoint = "fchownat", SetLastError = true)]
    public static partial int FchownAt(int dirfd, byte* path, uint uid, uint gid, int flags);

    [LibraryImport(L, EntryPoint = "utimensat", SetLastError = true)]
    public static partial int UtimensAt(int dirfd, byte* path, Timespec* times, int flags);

    [LibraryImport(L, EntryPoint = "futimens", SetLastError = true)]
    public static partial int Futimens(int fd, Timespec* times);

    [LibraryImport(L, EntryPoint = "ftruncate64", SetLastError = true)]
    public static partial int Ftruncate(int fd, long length);

    [LibraryImport(L, EntryPoint = "truncate64", SetLastError = true)]
    public static partial int Truncate(byte* path, long length);

    [LibraryImport(L, EntryPoint = "fallocate64", SetLastError = true)]
    public static partial int Fallocate(int fd, int mode, long offset, long length);

    [LibraryImport(L, EntryPoint = "lseek64", SetLastError = true)]
    public static partial long Lseek(int fd, long offset, int whence);

    [LibraryImport(L, EntryPoint = "copy_file_range", SetLastError = true)]
    public static partial nint CopyFileRange(int fdIn, long* offIn, int fdOut, long* offOut, nuint len, uint flags);

    [LibraryImport(L, EntryPoint = "flock", SetLastError = true)]
    public static partial int Flock(int fd, int operation);

    public const int F_SETLEASE = 1024, F_WRLCK = 1, F_UNLCK = 2;
    public const int F_GETFD = 1, F_SETFD = 2, FD_CLOEXEC = 1;

    /// <summary>fcntl with an int argument (F_SETLEASE, F_SETFD).</summary>
    [LibraryImport(L, EntryPoint = "fcntl", SetLastError = true)]
    public static partial int FcntlInt(int fd, int cmd, int arg);

    [LibraryImport(L, EntryPoint = "fstatvfs64", SetLastError = true)]
    public static partial int Fstatvfs(int fd, StatVfs* buf);

    /// <summary>fstatfs into a raw buffer (≥ 128 bytes); only f_type, the first long, is read.</summary>
    [LibraryImport(L, EntryPoint = "fstatfs64", SetLastError = true)]
    public static partial int Fstatfs(int fd, byte* buf);

    [LibraryImport(L, EntryPoint = "faccessat", SetLastError = true)]
    public static partial int FaccessAt(int dirfd, byte* path, int mode, int flags);

    [LibraryImport(L, EntryPoint = "getxattr", SetLastError = true)]
    public static partial nint GetXattr(byte* path, byte* name, byte* value, nuint size);

    [LibraryImport(L, EntryPoint = "setxattr", SetLastError = true)]
    public static partial int SetXattr(byte* path, byte* name, byte* value, nuint size, int flags);

    [LibraryImport(L, EntryPoint = "listxattr", SetLastError = true)]
    public static partial nint ListXattr(byte* path, byte* list, nuint size);

    [LibraryImport(L, EntryPoint = "removexattr", SetLastError = true)]
    public static partial int RemoveXattr(byte* path, byte* name);

    [LibraryImport(L, EntryPoint = "fgetxattr", SetLastError = true)]
    public static partial nint FGetXattr(int fd, byte* name, byte* value, nuint size);

    [LibraryImport(L, EntryPoint = "fsetxattr", SetLastError = true)]
    public static partial int FSetXattr(int fd, byte* name, byte* value, nuint size, int flags);

    [LibraryImport(L, EntryPoint = "fremovexattr", SetLastError = true)]
    public static partial int FRemoveXattr(int fd, byte* name);

    public const int FALLOC_FL_KEEP_SIZE = 1;
    public const int FALLOC_FL_PUNCH_HOLE = 2;
    public const int SEEK_DATA = 3;
    public const int O_NOATIME = 0x40000;

    [LibraryImport(L, EntryPoint = "fdopendir", SetLastError = true)]
    public static partial IntPtr FdOpenDir(int fd);

    [LibraryImport(L, EntryPoint = "readdir64", SetLastError = true)]
    public static partial Dirent64* ReadDir(IntPtr dir);

    [LibraryImport(L, EntryPoint = "dirfd", SetLastError = true)]
    public static partial int DirFd(IntPtr dir);

    [LibraryImport(L, EntryPoint = "seekdir")]
    public static partial void SeekDir(IntPtr dir, long offset);

    [LibraryImport(L, EntryPoint = "closedir", SetLastError = true)]
    public static partial int CloseDir(IntPtr dir);

    [LibraryImport(L, EntryPoint = "umask")]
    public static partial uint Umask(uint mask);

    public const int CLONE_FS = 0x200;

    [LibraryImport(L, EntryPoint = "unshare", SetLastError = true)]
    public static partial int Unshare(int flags);

    [LibraryImport(L, EntryPoint = "geteuid")]
    public static partial uint GetEuid();

    public const int RLIMIT_NOFILE = 7;

    [LibraryImport(L, EntryPoint = "getrlimit", SetLastError = true)]
    public static partial int GetRlimit(int resource, RLimit* limit);

    [LibraryImport(L, EntryPoint = "setrlimit", SetLastError = true)]
    public static partial int SetRlimit(int resource, RLimit* limit);
}

[StructLayout(LayoutKind.Sequential)]
public struct RLimit
{
    public ulong Cur;
    public ulong Max;
}

[StructLayout(LayoutKind.Sequential)]
public struct Timespec
{
    public long Sec;
    public long Nsec;

    /// <summary>A time in ns since the epoch as seconds and 0..999,999,999 ns (floored: before 1970 too).</summary>
    public static Timespec FromNs(long ns)
    {
        var sec = Math.DivRem(ns, 1_000_000_000, out var rem);
        return rem < 0 ? new() { Sec = sec - 1, Nsec = rem + 1_000_000_000 } : new() { Sec = sec, Nsec = rem };
    }

    public readonly void Deconstruct(out long sec, out long nsec) => (sec, nsec) = (Sec, Nsec);
}

/// <summary>struct statx: a fixed kernel ABI, the same on every architecture.</summary>
[StructLayout(LayoutKind.Sequential, Size = 256)]
public struct StatX
{
    public uint Mask;
    public uint BlkSize;
    public ulong Attributes;
    public uint Nlink;
    public uint Uid;
    public uint Gid;
    public ushort Mode;
    private readonly ushort _spare0;
    public ulong Ino;
    public ulong Size;
    public ulong Blocks;
    public ulong AttributesMask;
    public StatXTimestamp Atime;
    public StatXTimestamp Btime;
    public StatXTimestamp Ctime;
    public StatXTimestamp Mtime;
    public uint RdevMajor;
    public uint RdevMinor;
    public uint DevMajor;
    public uint DevMinor;

    public const uint BasicStats = 0x7ff;

    public readonly ulong Dev => ((ulong)DevMajor << 32) | DevMinor;
}

[StructLayout(LayoutKind.Sequential)]
public struct StatXTimestamp
{
    public long Sec;
    public uint Nsec;
    private readonly int _reserved;
}

/// <summary>glibc's struct statvfs on 64-bit Linux.</summary>
[StructLayout(LayoutKind.Sequential, Size = 112)]
public struct StatVfs
{
    public ulong Bsize;
    public ulong Frsize;
    public ulong Blocks;
    public ulong Bfree;
    public ulong Bavail;
    public ulong Files;
    public ulong Ffree;
    public ulong Favail;
    public ulong Fsid;
    public ulong Flag;
    public ulong Namemax;
}

/// <summary>struct dirent64 (the kernel's linux_dirent64 layout, as glibc returns it).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct Dirent64
{
    public ulong Ino;
    public long Off;
    public ushort Reclen;
    public byte Type;
    public fixed byte Name[1];
}
