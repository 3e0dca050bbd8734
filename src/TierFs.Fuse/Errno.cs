namespace TierFs.Fuse;

/// <summary>Linux errno values (the same on every Linux architecture .NET runs on).</summary>
public static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int EXDEV = 18;
    public const int ENODEV = 19;
    public const int ENOTDIR = 20;
    public const int EISDIR = 21;
    public const int EINVAL = 22;
    public const int ENOSPC = 28;
    public const int EROFS = 30;
    public const int ERANGE = 34;
    public const int ENAMETOOLONG = 36;
    public const int ENOSYS = 38;
    public const int ENOTEMPTY = 39;
    public const int ENODATA = 61;
    public const int EOPNOTSUPP = 95;
    public const int ETIMEDOUT = 110;
    public const int ENOTCONN = 107;
    public const int ESTALE = 116;
    public const int EMFILE = 24;
}

/// <summary>FUSE_SET_ATTR_* bits of a setattr request.</summary>
[Flags]
public enum SetAttrFlags
{
    Mode = 1 << 0,
    Uid = 1 << 1,
    Gid = 1 << 2,
    Size = 1 << 3,
    Atime = 1 << 4,
    Mtime = 1 << 5,
    AtimeNow = 1 << 7,
    MtimeNow = 1 << 8,
    Ctime = 1 << 10,
}

/// <summary>FUSE_CAP_* bits negotiated at INIT.</summary>
[Flags]
public enum FuseCapabilities : uint
{
    None = 0,
    AsyncRead = 1 << 0,
    PosixLocks = 1 << 1,
    AtomicOTrunc = 1 << 3,
    ExportSupport = 1 << 4,
    DontMask = 1 << 6,
    SpliceWrite = 1 << 7,
    SpliceMove = 1 << 8,
    SpliceRead = 1 << 9,
    FlockLocks = 1 << 10,
    AutoInvalData = 1 << 12,
    ReaddirPlus = 1 << 13,
    ReaddirPlusAuto = 1 << 14,
    AsyncDio = 1 << 15,
    WritebackCache = 1 << 16,
    ParallelDirops = 1 << 18,
    PosixAcl = 1 << 19,
    HandleKillpriv = 1 << 20,
    CacheSymlinks = 1 << 23,
    ExplicitInvalData = 1 << 25,
}
