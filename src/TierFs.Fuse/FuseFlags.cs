namespace TierFs.Fuse;

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
