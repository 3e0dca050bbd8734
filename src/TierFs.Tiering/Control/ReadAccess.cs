using System.Runtime.InteropServices;
using System.Text;
using TierFs.Posix;

namespace TierFs.Tiering.Control;

/// <summary>
/// "May this user read this file?", answered by the kernel: on a thread running with the user's
/// filesystem credentials (<see cref="ThreadCredentials"/>) the path is walked from the backing
/// root one component at a time (search permission on every directory, symlinks not followed,
/// as the engine walks it) and the file is opened for reading (its mode bits and ACLs). First,
/// the directories above the mountpoint (<see cref="MountAncestors"/>): a user who cannot reach the
/// mount gets "permission denied" for every path, existing or not.
/// </summary>
public static unsafe class ReadAccess
{
    /// <summary>Per path (relative to the backing root): null when the user may read it, else why not.</summary>
    public static string?[] Check(int rootFd, MountAncestors above, Caller caller, IReadOnlyList<string> paths) =>
        ThreadCredentials.RunAs(caller.Uid, caller.Gid, caller.Groups, () => above.Reachable()
            ? paths.Select(p => CheckOne(rootFd, p)).ToArray()
            : paths.Select(_ => (string?)Why(Errno.EACCES)).ToArray());

    // Runs with the user's credentials.
    private static string? CheckOne(int rootFd, string path)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var fd = Libc.Dup(rootFd);
        if (fd < 0) return Why(Libc.Errno());
        try
        {
            foreach (var part in parts)
            {
                var bytes = Encoding.UTF8.GetBytes(part + "\0");
                int next;
                fixed (byte* p = bytes) next = Libc.OpenAt(fd, p, Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
                if (next < 0) return Why(Libc.Errno());
                Libc.Close(fd);
                fd = next;
            }
            StatX st;
            int rc;
            fixed (byte* empty = "\0"u8) rc = Libc.Statx(fd, empty, Libc.AT_EMPTY_PATH, StatX.BasicStats, &st);
            if (rc != 0) return Why(Libc.Errno());
            var type = st.Mode & Libc.S_IFMT;
            // Only files and directories are opened: never a device or a FIFO on a user's behalf.
            if (type != Libc.S_IFREG && type != Libc.S_IFDIR) return "not a regular file";
            // Reopening the descriptor checks the inode itself (the walk above checked the directories).
            var proc = stackalloc byte[ProcFd.BufferSize];
            var readable = Libc.OpenAt(Libc.AT_FDCWD, ProcFd.Format(fd, proc), Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_NOCTTY | Libc.O_CLOEXEC, 0);
            if (readable < 0) return Why(Libc.Errno());
            Libc.Close(readable);
            return null;
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    private static string Why(int errno) => errno switch
    {
        Errno.EACCES or Errno.EPERM => "permission denied",
        Errno.ENOENT => "no such file or directory",
        Errno.ELOOP => "not a regular file",
        _ => Marshal.GetPInvokeErrorMessage(errno),
    };
}
