using System.Runtime.InteropServices;
using TierFs.Posix;

namespace TierFs.Namespace.Import;

/// <summary>Whether a directory, by descriptor, has no entries but "." and "..".</summary>
internal static unsafe class EmptyDirectory
{
    /// <summary>Lists the directory behind <paramref name="dirFd"/> (left open); an IOException when it cannot.</summary>
    public static bool Is(int dirFd)
    {
        int dup;
        // fdopendir takes the descriptor it is given: a descriptor of its own, at the start of the listing.
        fixed (byte* dot = "."u8) dup = Libc.OpenAt(dirFd, dot, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        if (dup < 0) throw new IOException($"cannot list it: errno {Libc.Errno()}");
        var dir = Libc.FdOpenDir(dup);
        if (dir == IntPtr.Zero)
        {
            Libc.Close(dup);
            throw new IOException("cannot list it");
        }
        try
        {
            for (var d = Libc.ReadDir(dir); d != null; d = Libc.ReadDir(dir))
            {
                var n = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(d->Name);
                if (!(n.SequenceEqual("."u8) || n.SequenceEqual(".."u8))) return false;
            }
            return true;
        }
        finally
        {
            Libc.CloseDir(dir);
        }
    }
}
