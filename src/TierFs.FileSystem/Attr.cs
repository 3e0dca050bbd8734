using TierFs.Posix;
using TierFs.Fuse;

namespace TierFs.FileSystem;

public static class Attr
{
    /// <summary>glibc's makedev encoding, which libfuse and the kernel's new_decode_dev agree on.</summary>
    public static ulong MakeDev(uint major, uint minor) =>
        ((ulong)(major & 0xfffff000) << 32) | ((ulong)(major & 0xfff) << 8) |
        ((ulong)(minor & 0xffffff00) << 12) | (minor & 0xff);

    public static void FromStatX(in StatX s, ref FuseAttr a)
    {
        a.Ino = s.Ino;
        a.Size = s.Size;
        a.Blocks = s.Blocks;
        a.Rdev = MakeDev(s.RdevMajor, s.RdevMinor);
        a.AtimeSec = s.Atime.Sec;
        a.AtimeNsec = s.Atime.Nsec;
        a.MtimeSec = s.Mtime.Sec;
        a.MtimeNsec = s.Mtime.Nsec;
        a.CtimeSec = s.Ctime.Sec;
        a.CtimeNsec = s.Ctime.Nsec;
        a.Mode = s.Mode;
        a.Nlink = s.Nlink;
        a.Uid = s.Uid;
        a.Gid = s.Gid;
        a.BlkSize = s.BlkSize;
    }

    public static bool IsDir(uint mode) => (mode & Libc.S_IFMT) == Libc.S_IFDIR;
    public static bool IsRegular(uint mode) => (mode & Libc.S_IFMT) == Libc.S_IFREG;
    public static bool IsSymlink(uint mode) => (mode & Libc.S_IFMT) == Libc.S_IFLNK;
}
