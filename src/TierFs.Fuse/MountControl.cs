using System.Runtime.InteropServices;

namespace TierFs.Fuse;

/// <summary>Unmounting from outside the session (what umount(8) and fusermount3 -u do, as root).</summary>
public static partial class MountControl
{
    public const int MntForce = 1;
    public const int MntDetach = 2;

    /// <summary>Returns 0 or the errno of umount2.</summary>
    public static int Unmount(string mountPoint, int flags)
    {
        return Umount2(mountPoint, flags) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Umount2(string target, int flags);
}
