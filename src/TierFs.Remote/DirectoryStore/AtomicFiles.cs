using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using TierFs.Posix;

namespace TierFs.Remote;

/// <summary>
/// Crash-safe replacement of an object and its sidecar: both are written under temp names in the
/// object's directory and fsync'd, then renamed into place, and the directory is fsync'd. The
/// sidecar goes first and an older object is unlinked before it, so a visible object never pairs
/// with another upload's attributes; a crash in between leaves the key missing, never mixed.
/// </summary>
internal static class AtomicFiles
{
    public static string TempPath(string directory) =>
        Path.Combine(directory, $"{RemoteKey.ReservedSegmentPrefix}tmp.{Guid.NewGuid():N}");

    /// <summary>A new file, 0600 (objects and sidecars keep the mode through the renames).</summary>
    public static unsafe SafeFileHandle CreateTemp(string path)
    {
        int fd;
        fixed (byte* p = Encoding.UTF8.GetBytes(path + "\0"))
            fd = Libc.OpenAt(Libc.AT_FDCWD, p, Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL | Libc.O_CLOEXEC, (uint)PrivateModes.File);
        if (fd < 0) throw new IOException($"cannot create {path}: {Marshal.GetPInvokeErrorMessage(Libc.Errno())}");
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    public static void WriteDurably(string path, ReadOnlySpan<byte> bytes)
    {
        using var handle = CreateTemp(path);
        RandomAccess.Write(handle, bytes, 0);
        RandomAccess.FlushToDisk(handle);
    }

    /// <summary>Puts the fsync'd temp data file in place of <paramref name="objectPath"/>, with its sidecar.</summary>
    public static void Commit(string objectPath, string tempData, Sidecar sidecar)
    {
        var directory = Path.GetDirectoryName(objectPath)!;
        var tempSidecar = TempPath(directory);
        try
        {
            WriteDurably(tempSidecar, sidecar.ToBytes());
            File.Delete(objectPath);
            File.Move(tempSidecar, Sidecar.PathFor(objectPath), overwrite: true);
            File.Move(tempData, objectPath, overwrite: true);
            DirectorySync.Flush(directory);
        }
        finally
        {
            DeleteQuietly(tempSidecar);
        }
    }

    public static void DeleteQuietly(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
