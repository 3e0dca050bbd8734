using Microsoft.Win32.SafeHandles;
using TierFs.Posix;

namespace TierFs.Remote.Transfer;

/// <summary>
/// Starts writing a finished range of a target file to disk without waiting for it. Dirty data
/// otherwise stays in memory until the caller's final fsync, which then writes the whole file
/// serially after the transfer; started per part, the disk works while the rest downloads.
/// Best effort: nothing is made durable here, and an I/O error shows at that fsync.
/// </summary>
internal static class Writeback
{
    public static void Start(SafeFileHandle file, long offset, long length)
    {
        if (length > 0) Libc.SyncFileRange((int)file.DangerousGetHandle(), offset, length, Libc.SYNC_FILE_RANGE_WRITE);
    }
}
