using System.Runtime.InteropServices;

namespace TierFs.Fuse;

// Mirrors of native/tierfs_fuse.h. All fields are fixed width; NativeAbi.Verify checks the sizes.

/// <summary>File attributes as the kernel sees them (the flat form of struct stat).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseAttr
{
    public ulong Ino;
    public ulong Size;
    public ulong Blocks;
    public ulong Rdev;
    public long AtimeSec;
    public long MtimeSec;
    public long CtimeSec;
    public long AtimeNsec;
    public long MtimeNsec;
    public long CtimeNsec;
    public uint Mode;
    public uint Nlink;
    public uint Uid;
    public uint Gid;
    public uint BlkSize;
    private readonly uint _reserved;
}

/// <summary>The answer to lookup-like requests: node id, attributes and cache lifetimes.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseEntry
{
    public ulong Ino;
    public ulong Generation;
    public double AttrTimeout;
    public double EntryTimeout;
    public FuseAttr Attr;
}

[Flags]
public enum FuseFileInfoBits : uint
{
    None = 0,
    WritePage = 1 << 0,
    DirectIo = 1 << 1,
    KeepCache = 1 << 2,
    Flush = 1 << 3,
    NonSeekable = 1 << 4,
    FlockRelease = 1 << 5,
    CacheReaddir = 1 << 6,
    NoFlush = 1 << 7,
    /// <summary>The kernel serves reads, writes and mmap from <see cref="FuseFileInfo.BackingId"/>'s file itself.</summary>
    Passthrough = 1 << 8,
    Present = 1u << 31,
}

/// <summary>fuse_file_info: open flags in, file handle and cache hints out.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseFileInfo
{
    public int Flags;
    public FuseFileInfoBits Bits;
    public ulong Fh;
    public ulong LockOwner;
    /// <summary>With <see cref="FuseFileInfoBits.Passthrough"/>: the id <see cref="KernelBacking.Open"/> gave.</summary>
    public int BackingId;
    private readonly uint _reserved;

    public readonly bool HasHandle => (Bits & FuseFileInfoBits.Present) != 0;
}

/// <summary>Who sent the request.</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct FuseContext
{
    public readonly uint Uid;
    public readonly uint Gid;
    public readonly uint Pid;
    public readonly uint Umask;
    /// <summary>The kernel's request, for <see cref="LaterReply.Take"/>; 0 when not from the kernel (a direct call).</summary>
    internal readonly ulong Request;

    public FuseContext(uint uid, uint gid, uint pid, uint umask) => (Uid, Gid, Pid, Umask) = (uid, gid, pid, umask);
}

[StructLayout(LayoutKind.Sequential)]
public struct FuseStatVfs
{
    public ulong BlockSize;
    public ulong FragmentSize;
    public ulong Blocks;
    public ulong BlocksFree;
    public ulong BlocksAvailable;
    public ulong Files;
    public ulong FilesFree;
    public ulong FilesAvailable;
    public ulong FsId;
    public ulong Flags;
    public ulong NameMax;
}

/// <summary>Zero-copy read: set <see cref="Fd"/> and the binding splices from it.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct FuseReadReply
{
    internal void* Buffer;
    public int Fd;
    private readonly int _reserved;
    public long FdOffset;
}

[StructLayout(LayoutKind.Sequential)]
public readonly struct FuseConnectionInfo
{
    public readonly uint ProtoMajor;
    public readonly uint ProtoMinor;
    public readonly uint Capable;
    public readonly uint Want;
    public readonly uint MaxWrite;
    public readonly uint MaxReadahead;
    public readonly uint MaxBackground;
    public readonly uint CongestionThreshold;
    public readonly uint TimeGran;
    /// <summary>Nonzero: the INIT reply asks for FUSE passthrough (asked for, and offered by the kernel).</summary>
    public readonly uint Passthrough;
}

[StructLayout(LayoutKind.Sequential)]
internal struct NativeOptions
{
    public uint WantCaps;
    public uint UnwantCaps;
    public uint MaxWrite;
    public uint MaxReadahead;
    public uint MaxBackground;
    public uint CongestionThreshold;
    public uint TimeGran;
    public uint Passthrough;
}

/// <summary>A null-terminated name from the kernel, passed through without a managed copy.</summary>
public readonly unsafe struct FuseName
{
    public readonly byte* Pointer;

    public FuseName(byte* pointer) => Pointer = pointer;

    public ReadOnlySpan<byte> Span => MemoryMarshal.CreateReadOnlySpanFromNullTerminated(Pointer);

    public override string ToString() => Marshal.PtrToStringUTF8((IntPtr)Pointer) ?? "";
}
