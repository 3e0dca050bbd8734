using System.Runtime.InteropServices;

namespace TierFs.Cli.Commands.Tier;

/// <summary>libc realpath(3): the canonical path, every symlink and "." / ".." resolved by the kernel.</summary>
public static partial class RealPath
{
    private const int ENOENT = 2;
    private const int EACCES = 13;
    private const int ENOTDIR = 20;
    private const int ELOOP = 40;

    /// <summary>The canonical path, or null with <paramref name="error"/> in words ("no such file or directory").</summary>
    public static string? Resolve(string path, out string? error)
    {
        var p = RealPathNative(path, 0);
        if (p == 0)
        {
            error = Describe(Marshal.GetLastPInvokeError());
            return null;
        }
        try
        {
            error = null;
            return Marshal.PtrToStringUTF8(p);
        }
        finally
        {
            Free(p);
        }
    }

    internal static string Describe(int errno) => errno switch
    {
        ENOENT => "no such file or directory",
        ENOTDIR => "not a directory",
        EACCES => "permission denied",
        ELOOP => "too many levels of symbolic links",
        _ => Marshal.GetPInvokeErrorMessage(errno).ToLowerInvariant(),
    };

    [LibraryImport("libc", EntryPoint = "realpath", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint RealPathNative(string path, nint resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(nint p);
}
