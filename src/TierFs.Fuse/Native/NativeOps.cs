using System.Runtime.InteropServices;

namespace TierFs.Fuse;

/// <summary>tfs_ops: one unmanaged function pointer per operation, in header order.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeOps
{
    public delegate* unmanaged<IntPtr, FuseConnectionInfo*, void> Init;
    public delegate* unmanaged<IntPtr, void> Destroy;
    public delegate* unmanaged<IntPtr, FuseContext*, ulong, byte*, FuseEntry*, int> Lookup;
    public delegate* unmanaged<IntPtr, ulong, ulong, void> Forget;
    public delegate* unmanaged<IntPtr, FuseContext*, ulong, FuseFileInfo*, FuseAttr*, double*, int> GetAttr;
    public delegate* unmanaged<IntPtr, FuseContext*, ulong, FuseAttr*, int, FuseFileInfo*, FuseAttr*, double*, int> SetAttr;
    public delegate* unmanaged<IntPtr, FuseContext*, ulong, byte*, ulong, int> ReadLink;
    public delegate* unmanaged<IntPtr, FuseContext*, ulong, byte*, uint, ulong, FuseEntry*, int> MkNod;
    public delegate* unmanaged<IntPtr, FuseContext*, ulong, byte*, uint, FuseEntry*, int> MkDir;
    public delegate* unmanaged<IntPtr, FuseContext*, ulong, byte*, int> Unlink;
    public delegate* unmanaged<IntPtr, FuseContext*, ulong, byte*, int> RmDir;
    public delegate* unmanaged<IntPtr, FuseContext*, byte*, ulong, byte*, FuseEntry*, int> SymLink;
    public delegate* unmanaged<IntPtr, FuseContext*, ulong, byte*, ulong, byte*, uint, int> Rename;
    public delegate* unmanaged<IntPtr, FuseContext*, ulong, ulong, byte*, FuseEntry*, int> Link;
    public delegate* unmanaged<IntPtr, FuseContext*, ulong, FuseFileInfo*, int> Open;
    public delegate* unmanaged<IntPtr, FuseContext*, ulong, ulong, long, FuseFileInfo*, FuseReadReply*, int> Read;
    public delegate* unmanaged<IntPtr, FuseContext*, ulong, byte*, ulong, long, FuseFileInfo*, int> Write;
    public delegate* unmanaged<IntPtr, FuseContext*, ulong, FuseFileInfo*, int> Flush;
    public delegate* unmanaged<IntPtr, FuseContext*, ulong, FuseFileInfo*, int> Release;
    public delegate* unmanaged<IntPtr, FuseContext*, ulong, int, FuseFileInfo*, int> Fsync;
    public delegate* unmanaged<IntPtr, FuseContext*, ulong, FuseFileInfo*, int> OpenDir;
    public delegate* unmanaged<IntPtr, FuseContext*, ulong, long, FuseFileInfo*, IntPtr, int, int> ReadDir;
    public delegate* unmanaged<IntPtr, FuseContext*, ulong, FuseFileInfo*, int> ReleaseDir;
    public delegate* unmanaged<IntPtr, FuseContext*, ulong, int, FuseFileInfo*, int> FsyncDir;
    public delegate* unmanaged<IntPtr, FuseContext*, ulong, FuseStatVfs*, int> StatFs;
    public delegate* unmanaged<IntPtr, FuseContext*, ulong, byte*, byte*, ulong, int, int> SetXattr;
    public delegate* unmanaged<IntPtr, FuseContext*, ulong, byte*, byte*, ulong, int> GetXattr;
    public delegate* unmanaged<IntPtr, FuseContext*, ulong, byte*, ulong, int> ListXattr;
    public delegate* unmanaged<IntPtr, FuseContext*, ulong, byte*, int> RemoveXattr;
    public delegate* unmanaged<IntPtr, FuseContext*, ulong, int, int> Access;
    public delegate* unmanaged<IntPtr, FuseContext*, ulong, byte*, uint, FuseFileInfo*, FuseEntry*, int> Create;
    public delegate* unmanaged<IntPtr, FuseContext*, ulong, FuseFileInfo*, int, int> Flock;
    public delegate* unmanaged<IntPtr, FuseContext*, ulong, int, long, long, FuseFileInfo*, int> Fallocate;
    public delegate* unmanaged<IntPtr, FuseContext*, ulong, long, int, FuseFileInfo*, long> Lseek;
    public delegate* unmanaged<IntPtr, FuseContext*, ulong, long, FuseFileInfo*, ulong, long, FuseFileInfo*, ulong, int, long> CopyFileRange;
}
