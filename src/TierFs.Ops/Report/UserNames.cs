using System.Runtime.InteropServices;

namespace TierFs.Ops.Report;

/// <summary>uid → user name through the system's user database (getpwuid_r, so NSS sources such as LDAP count).</summary>
public static partial class UserNames
{
    /// <summary>The name, or null when the uid has none.</summary>
    public static unsafe string? Of(long uid)
    {
        if (uid is < 0 or > uint.MaxValue) return null;
        var passwd = stackalloc byte[64]; // struct passwd is 48 bytes on 64-bit Linux
        var buffer = new byte[16 * 1024];
        fixed (byte* b = buffer)
        {
            if (GetPwUid((uint)uid, passwd, b, (nuint)buffer.Length, out var result) != 0 || result == 0) return null;
            // pw_name is the first field.
            return Marshal.PtrToStringUTF8(*(nint*)result);
        }
    }

    [LibraryImport("libc", EntryPoint = "getpwuid_r")]
    private static unsafe partial int GetPwUid(uint uid, byte* passwd, byte* buffer, nuint size, out nint result);
}
