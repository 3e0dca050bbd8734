using System.Runtime.InteropServices;

namespace TierFs.Fuse;

internal static unsafe partial class NativeMethods
{
    private const string Lib = "tierfs_fuse";

    [LibraryImport(Lib, EntryPoint = "tfs_dirbuf_add")]
    public static partial int DirBufAdd(IntPtr db, byte* name, FuseAttr* attr, long nextOffset);

    [LibraryImport(Lib, EntryPoint = "tfs_dirbuf_add_plus")]
    public static partial int DirBufAddPlus(IntPtr db, byte* name, FuseEntry* entry, long nextOffset);

    [LibraryImport(Lib, EntryPoint = "tfs_session_new")]
    public static partial IntPtr SessionNew(int argc, byte** argv, NativeOps* ops, IntPtr ud, NativeOptions* opts, byte* err, ulong errlen);

    [LibraryImport(Lib, EntryPoint = "tfs_session_mount", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SessionMount(IntPtr session, string mountpoint);

    [LibraryImport(Lib, EntryPoint = "tfs_session_loop")]
    public static partial int SessionLoop(IntPtr session, uint maxThreads, uint maxIdleThreads, int cloneFd);

    [LibraryImport(Lib, EntryPoint = "tfs_session_exit")]
    public static partial void SessionExit(IntPtr session);

    [LibraryImport(Lib, EntryPoint = "tfs_session_exited")]
    public static partial int SessionExited(IntPtr session);

    [LibraryImport(Lib, EntryPoint = "tfs_session_unmount")]
    public static partial void SessionUnmount(IntPtr session);

    [LibraryImport(Lib, EntryPoint = "tfs_session_destroy")]
    public static partial void SessionDestroy(IntPtr session);

    [LibraryImport(Lib, EntryPoint = "tfs_notify_inval_inode")]
    public static partial int NotifyInvalInode(IntPtr session, ulong ino, long offset, long length);

    [LibraryImport(Lib, EntryPoint = "tfs_notify_inval_entry")]
    public static partial int NotifyInvalEntry(IntPtr session, ulong parent, byte* name, ulong nameLength);

    [LibraryImport(Lib, EntryPoint = "tfs_defer")]
    public static partial IntPtr Defer(ulong request);

    [LibraryImport(Lib, EntryPoint = "tfs_reply_open")]
    public static partial int ReplyOpen(IntPtr deferred, FuseFileInfo* fi);

    [LibraryImport(Lib, EntryPoint = "tfs_reply_err")]
    public static partial int ReplyErr(IntPtr deferred, int errno);

    [LibraryImport(Lib, EntryPoint = "tfs_reply_fd")]
    public static partial int ReplyFd(IntPtr deferred, int fd, ulong offset, ulong size);

    [LibraryImport(Lib, EntryPoint = "tfs_session_deferred")]
    public static partial ulong SessionDeferred(IntPtr session);

    [LibraryImport(Lib, EntryPoint = "tfs_passthrough_ready")]
    public static partial int PassthroughReady(IntPtr session);

    [LibraryImport(Lib, EntryPoint = "tfs_backing_open")]
    public static partial int BackingOpen(IntPtr session, int fd);

    [LibraryImport(Lib, EntryPoint = "tfs_backing_close")]
    public static partial int BackingClose(IntPtr session, int backingId);

    [LibraryImport(Lib, EntryPoint = "tfs_abi_size")]
    public static partial ulong AbiSize(int which);
}

/// <summary>Checks the C# mirrors against the compiler's view of the shared structs.</summary>
internal static unsafe class NativeAbi
{
    public static readonly (string Name, int Id, int Size)[] Structs =
    [
        (nameof(FuseAttr), 0, sizeof(FuseAttr)),
        (nameof(FuseEntry), 1, sizeof(FuseEntry)),
        (nameof(FuseFileInfo), 2, sizeof(FuseFileInfo)),
        (nameof(FuseContext), 3, sizeof(FuseContext)),
        (nameof(FuseStatVfs), 4, sizeof(FuseStatVfs)),
        (nameof(FuseReadReply), 5, sizeof(FuseReadReply)),
        (nameof(FuseConnectionInfo), 6, sizeof(FuseConnectionInfo)),
        (nameof(NativeOptions), 7, sizeof(NativeOptions)),
        (nameof(NativeOps), 8, sizeof(NativeOps)),
    ];

    public static void Verify()
    {
        foreach (var (name, id, size) in Structs)
        {
            var native = NativeMethods.AbiSize(id);
            if (native != (ulong)size)
                throw new InvalidOperationException($"ABI mismatch: {name} is {size} bytes in C# but {native} in libtierfs_fuse");
        }
    }
}
