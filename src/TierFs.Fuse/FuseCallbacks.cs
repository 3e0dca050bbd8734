using TierFs.Posix;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TierFs.Fuse;

/// <summary>The unmanaged entry points: find the filesystem, call it, never let an exception cross.</summary>
internal static unsafe class FuseCallbacks
{
    internal sealed class Target(IFuseFileSystem fs, Action<string, Exception> onError)
    {
        public readonly IFuseFileSystem Fs = fs;
        public readonly Action<string, Exception> OnError = onError;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Target Of(IntPtr ud) => Unsafe.As<Target>(GCHandle.FromIntPtr(ud).Target!);

    private static int Fail(IntPtr ud, string op, Exception e)
    {
        if (e is FuseErrnoException answer) return -answer.Errno;
        try { Of(ud).OnError(op, e); } catch { /* logging must not take the mount down */ }
        return -Errno.EIO;
    }

    public static NativeOps Table() => new()
    {
        Init = &Init,
        Destroy = &Destroy,
        Lookup = &Lookup,
        Forget = &Forget,
        GetAttr = &GetAttr,
        SetAttr = &SetAttr,
        ReadLink = &ReadLink,
        MkNod = &MkNod,
        MkDir = &MkDir,
        Unlink = &Unlink,
        RmDir = &RmDir,
        SymLink = &SymLink,
        Rename = &Rename,
        Link = &Link,
        Open = &Open,
        Read = &Read,
        Write = &Write,
        Flush = &Flush,
        Release = &Release,
        Fsync = &Fsync,
        OpenDir = &OpenDir,
        ReadDir = &ReadDir,
        ReleaseDir = &ReleaseDir,
        FsyncDir = &FsyncDir,
        StatFs = &StatFs,
        SetXattr = &SetXattr,
        GetXattr = &GetXattr,
        ListXattr = &ListXattr,
        RemoveXattr = &RemoveXattr,
        Access = &Access,
        Create = &Create,
        Flock = &Flock,
        Fallocate = &Fallocate,
        Lseek = &Lseek,
        CopyFileRange = &CopyFileRange,
    };

    [UnmanagedCallersOnly]
    private static void Init(IntPtr ud, FuseConnectionInfo* c)
    {
        try { Of(ud).Fs.Init(in *c); } catch (Exception e) { Fail(ud, "init", e); }
    }

    [UnmanagedCallersOnly]
    private static void Destroy(IntPtr ud)
    {
        try { Of(ud).Fs.Destroy(); } catch (Exception e) { Fail(ud, "destroy", e); }
    }

    [UnmanagedCallersOnly]
    private static int Lookup(IntPtr ud, FuseContext* c, ulong parent, byte* name, FuseEntry* e)
    {
        try { return Of(ud).Fs.Lookup(in *c, parent, new FuseName(name), ref *e); } catch (Exception x) { return Fail(ud, "lookup", x); }
    }

    [UnmanagedCallersOnly]
    private static void Forget(IntPtr ud, ulong ino, ulong nlookup)
    {
        try { Of(ud).Fs.Forget(ino, nlookup); } catch (Exception x) { Fail(ud, "forget", x); }
    }

    [UnmanagedCallersOnly]
    private static int GetAttr(IntPtr ud, FuseContext* c, ulong ino, FuseFileInfo* fi, FuseAttr* a, double* timeout)
    {
        try { return Of(ud).Fs.GetAttr(in *c, ino, in *fi, ref *a, ref *timeout); } catch (Exception x) { return Fail(ud, "getattr", x); }
    }

    [UnmanagedCallersOnly]
    private static int SetAttr(IntPtr ud, FuseContext* c, ulong ino, FuseAttr* values, int toSet, FuseFileInfo* fi, FuseAttr* a, double* timeout)
    {
        try { return Of(ud).Fs.SetAttr(in *c, ino, in *values, (SetAttrFlags)toSet, in *fi, ref *a, ref *timeout); } catch (Exception x) { return Fail(ud, "setattr", x); }
    }

    [UnmanagedCallersOnly]
    private static int ReadLink(IntPtr ud, FuseContext* c, ulong ino, byte* buf, ulong size)
    {
        try { return Of(ud).Fs.ReadLink(in *c, ino, new Span<byte>(buf, (int)size)); } catch (Exception x) { return Fail(ud, "readlink", x); }
    }

    [UnmanagedCallersOnly]
    private static int MkNod(IntPtr ud, FuseContext* c, ulong parent, byte* name, uint mode, ulong rdev, FuseEntry* e)
    {
        try { return Of(ud).Fs.MkNod(in *c, parent, new FuseName(name), mode, rdev, ref *e); } catch (Exception x) { return Fail(ud, "mknod", x); }
    }

    [UnmanagedCallersOnly]
    private static int MkDir(IntPtr ud, FuseContext* c, ulong parent, byte* name, uint mode, FuseEntry* e)
    {
        try { return Of(ud).Fs.MkDir(in *c, parent, new FuseName(name), mode, ref *e); } catch (Exception x) { return Fail(ud, "mkdir", x); }
    }

    [UnmanagedCallersOnly]
    private static int Unlink(IntPtr ud, FuseContext* c, ulong parent, byte* name)
    {
        try { return Of(ud).Fs.Unlink(in *c, parent, new FuseName(name)); } catch (Exception x) { return Fail(ud, "unlink", x); }
    }

    [UnmanagedCallersOnly]
    private static int RmDir(IntPtr ud, FuseContext* c, ulong parent, byte* name)
    {
        try { return Of(ud).Fs.RmDir(in *c, parent, new FuseName(name)); } catch (Exception x) { return Fail(ud, "rmdir", x); }
    }

    [UnmanagedCallersOnly]
    private static int SymLink(IntPtr ud, FuseContext* c, byte* target, ulong parent, byte* name, FuseEntry* e)
    {
        try { return Of(ud).Fs.SymLink(in *c, new FuseName(target), parent, new FuseName(name), ref *e); } catch (Exception x) { return Fail(ud, "symlink", x); }
    }

    [UnmanagedCallersOnly]
    private static int Rename(IntPtr ud, FuseContext* c, ulong parent, byte* name, ulong newParent, byte* newName, uint flags)
    {
        try { return Of(ud).Fs.Rename(in *c, parent, new FuseName(name), newParent, new FuseName(newName), flags); } catch (Exception x) { return Fail(ud, "rename", x); }
    }

    [UnmanagedCallersOnly]
    private static int Link(IntPtr ud, FuseContext* c, ulong ino, ulong newParent, byte* newName, FuseEntry* e)
    {
        try { return Of(ud).Fs.Link(in *c, ino, newParent, new FuseName(newName), ref *e); } catch (Exception x) { return Fail(ud, "link", x); }
    }

    [UnmanagedCallersOnly]
    private static int Open(IntPtr ud, FuseContext* c, ulong ino, FuseFileInfo* fi)
    {
        LaterReply.HandlerStarts();
        int res;
        try { res = Of(ud).Fs.Open(in *c, ino, ref *fi); } catch (Exception x) { res = Fail(ud, "open", x); }
        // "Later" without taking the request: nobody would answer it. (For a read, 1 is a byte count.)
        var taken = LaterReply.Taken;
        res = LaterReply.HandlerEnds(res);
        return res == LaterReply.Reply && !taken ? -Errno.EIO : res;
    }

    [UnmanagedCallersOnly]
    private static int Read(IntPtr ud, FuseContext* c, ulong ino, ulong size, long offset, FuseFileInfo* fi, FuseReadReply* reply)
    {
        LaterReply.HandlerStarts();
        int res;
        try { res = Of(ud).Fs.Read(in *c, ino, in *fi, offset, new Span<byte>(reply->Buffer, (int)size), ref *reply); } catch (Exception x) { res = Fail(ud, "read", x); }
        return LaterReply.HandlerEnds(res);
    }

    [UnmanagedCallersOnly]
    private static int Write(IntPtr ud, FuseContext* c, ulong ino, byte* buf, ulong size, long offset, FuseFileInfo* fi)
    {
        try { return Of(ud).Fs.Write(in *c, ino, in *fi, offset, new ReadOnlySpan<byte>(buf, (int)size)); } catch (Exception x) { return Fail(ud, "write", x); }
    }

    [UnmanagedCallersOnly]
    private static int Flush(IntPtr ud, FuseContext* c, ulong ino, FuseFileInfo* fi)
    {
        try { return Of(ud).Fs.Flush(in *c, ino, in *fi); } catch (Exception x) { return Fail(ud, "flush", x); }
    }

    [UnmanagedCallersOnly]
    private static int Release(IntPtr ud, FuseContext* c, ulong ino, FuseFileInfo* fi)
    {
        try { return Of(ud).Fs.Release(in *c, ino, in *fi); } catch (Exception x) { return Fail(ud, "release", x); }
    }

    [UnmanagedCallersOnly]
    private static int Fsync(IntPtr ud, FuseContext* c, ulong ino, int datasync, FuseFileInfo* fi)
    {
        try { return Of(ud).Fs.Fsync(in *c, ino, datasync != 0, in *fi); } catch (Exception x) { return Fail(ud, "fsync", x); }
    }

    [UnmanagedCallersOnly]
    private static int OpenDir(IntPtr ud, FuseContext* c, ulong ino, FuseFileInfo* fi)
    {
        try { return Of(ud).Fs.OpenDir(in *c, ino, ref *fi); } catch (Exception x) { return Fail(ud, "opendir", x); }
    }

    [UnmanagedCallersOnly]
    private static int ReadDir(IntPtr ud, FuseContext* c, ulong ino, long offset, FuseFileInfo* fi, IntPtr buf, int plus)
    {
        try { return Of(ud).Fs.ReadDir(in *c, ino, in *fi, offset, new DirectoryListing(buf, plus != 0)); } catch (Exception x) { return Fail(ud, "readdir", x); }
    }

    [UnmanagedCallersOnly]
    private static int ReleaseDir(IntPtr ud, FuseContext* c, ulong ino, FuseFileInfo* fi)
    {
        try { return Of(ud).Fs.ReleaseDir(in *c, ino, in *fi); } catch (Exception x) { return Fail(ud, "releasedir", x); }
    }

    [UnmanagedCallersOnly]
    private static int FsyncDir(IntPtr ud, FuseContext* c, ulong ino, int datasync, FuseFileInfo* fi)
    {
        try { return Of(ud).Fs.FsyncDir(in *c, ino, datasync != 0, in *fi); } catch (Exception x) { return Fail(ud, "fsyncdir", x); }
    }

    [UnmanagedCallersOnly]
    private static int StatFs(IntPtr ud, FuseContext* c, ulong ino, FuseStatVfs* st)
    {
        try { return Of(ud).Fs.StatFs(in *c, ino, ref *st); } catch (Exception x) { return Fail(ud, "statfs", x); }
    }

    [UnmanagedCallersOnly]
    private static int SetXattr(IntPtr ud, FuseContext* c, ulong ino, byte* name, byte* value, ulong size, int flags)
    {
        try { return Of(ud).Fs.SetXattr(in *c, ino, new FuseName(name), new ReadOnlySpan<byte>(value, (int)size), flags); } catch (Exception x) { return Fail(ud, "setxattr", x); }
    }

    [UnmanagedCallersOnly]
    private static int GetXattr(IntPtr ud, FuseContext* c, ulong ino, byte* name, byte* buf, ulong size)
    {
        try { return Of(ud).Fs.GetXattr(in *c, ino, new FuseName(name), new Span<byte>(buf, (int)size)); } catch (Exception x) { return Fail(ud, "getxattr", x); }
    }

    [UnmanagedCallersOnly]
    private static int ListXattr(IntPtr ud, FuseContext* c, ulong ino, byte* buf, ulong size)
    {
        try { return Of(ud).Fs.ListXattr(in *c, ino, new Span<byte>(buf, (int)size)); } catch (Exception x) { return Fail(ud, "listxattr", x); }
    }

    [UnmanagedCallersOnly]
    private static int RemoveXattr(IntPtr ud, FuseContext* c, ulong ino, byte* name)
    {
        try { return Of(ud).Fs.RemoveXattr(in *c, ino, new FuseName(name)); } catch (Exception x) { return Fail(ud, "removexattr", x); }
    }

    [UnmanagedCallersOnly]
    private static int Access(IntPtr ud, FuseContext* c, ulong ino, int mask)
    {
        try { return Of(ud).Fs.Access(in *c, ino, mask); } catch (Exception x) { return Fail(ud, "access", x); }
    }

    [UnmanagedCallersOnly]
    private static int Create(IntPtr ud, FuseContext* c, ulong parent, byte* name, uint mode, FuseFileInfo* fi, FuseEntry* e)
    {
        try { return Of(ud).Fs.Create(in *c, parent, new FuseName(name), mode, ref *fi, ref *e); } catch (Exception x) { return Fail(ud, "create", x); }
    }

    [UnmanagedCallersOnly]
    private static int Flock(IntPtr ud, FuseContext* c, ulong ino, FuseFileInfo* fi, int op)
    {
        try { return Of(ud).Fs.Flock(in *c, ino, in *fi, op); } catch (Exception x) { return Fail(ud, "flock", x); }
    }

    [UnmanagedCallersOnly]
    private static int Fallocate(IntPtr ud, FuseContext* c, ulong ino, int mode, long offset, long length, FuseFileInfo* fi)
    {
        try { return Of(ud).Fs.Fallocate(in *c, ino, mode, offset, length, in *fi); } catch (Exception x) { return Fail(ud, "fallocate", x); }
    }

    [UnmanagedCallersOnly]
    private static long Lseek(IntPtr ud, FuseContext* c, ulong ino, long offset, int whence, FuseFileInfo* fi)
    {
        try { return Of(ud).Fs.Lseek(in *c, ino, offset, whence, in *fi); } catch (Exception x) { return Fail(ud, "lseek", x); }
    }

    [UnmanagedCallersOnly]
    private static long CopyFileRange(IntPtr ud, FuseContext* c, ulong inoIn, long offIn, FuseFileInfo* fiIn, ulong inoOut, long offOut, FuseFileInfo* fiOut, ulong length, int flags)
    {
        try { return Of(ud).Fs.CopyFileRange(in *c, inoIn, offIn, in *fiIn, inoOut, offOut, in *fiOut, length, flags); } catch (Exception x) { return Fail(ud, "copy_file_range", x); }
    }
}
