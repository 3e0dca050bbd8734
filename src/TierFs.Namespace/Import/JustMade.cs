using TierFs.Posix;

namespace TierFs.Namespace.Import;

/// <summary>
/// Opens what the import has just made at a name, and nothing else. The target may be writable by
/// others, who can rename another entry onto the name between the call that made it and this open:
/// the import would then set owner, mode and times on it, or fill it. A symlink or fifo is made as
/// its owner, so it must be of that type and owner, with one link; a directory is made as root 0700
/// until its entries are in, so it must be that, and empty. Anything else is an IOException saying
/// what is there now.
/// </summary>
internal static unsafe class JustMade
{
    private const int PathFlags = Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC;
    private const int DirFlags = Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC;

    /// <summary>An O_PATH descriptor of the symlink or fifo made at <paramref name="name"/> as <paramref name="uid"/>.</summary>
    public static int Node(int parentFd, byte* name, uint type, uint uid, string kind, string pending)
    {
        var fd = Libc.OpenAt(parentFd, name, PathFlags, 0);
        if (fd < 0) throw new IOException($"cannot open the {kind} made here: errno {Libc.Errno()}");
        var st = FdStat.Of(fd);
        if ((st.Mode & Libc.S_IFMT) == type && st.Uid == uid && st.Nlink == 1) return fd;
        Libc.Close(fd);
        throw new IOException($"the {kind} made here was replaced (by {Describe(st)}) before its {pending} were set: they are not set");
    }

    /// <summary>A descriptor of the directory made at <paramref name="name"/> by root, mode 0700.</summary>
    public static int Directory(int parentFd, byte* name)
    {
        var fd = Libc.OpenAt(parentFd, name, PathFlags, 0);
        if (fd < 0) throw new IOException($"cannot open the directory made here: errno {Libc.Errno()}");
        try
        {
            // Checked through O_PATH first: a fifo put there would block a plain open.
            var st = FdStat.Of(fd);
            // 0700, or less under an odd umask. The link count says nothing here (btrfs keeps 1).
            if ((st.Mode & Libc.S_IFMT) != Libc.S_IFDIR || (st.Mode & 0xE3F) != 0 || st.Uid != 0)
                throw new IOException($"the directory made here was replaced (by {Describe(st)}) before it was opened: its entries are not imported");
            int dir;
            fixed (byte* dot = "."u8) dir = Libc.OpenAt(fd, dot, DirFlags, 0);
            if (dir < 0) throw new IOException($"cannot open the directory made here: errno {Libc.Errno()}");
            if (EmptyDirectory.Is(dir)) return dir;
            Libc.Close(dir);
            throw new IOException("the directory made here was replaced (by one with entries) before it was opened: its entries are not imported");
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    private static string Describe(StatX st)
    {
        var type = (st.Mode & Libc.S_IFMT) switch
        {
            Libc.S_IFREG => "a file",
            Libc.S_IFDIR => "a directory",
            Libc.S_IFLNK => "a symlink",
            0x1000 => "a fifo",
            _ => "a special file",
        };
        return $"{type} of uid {st.Uid}, mode {Convert.ToString(st.Mode & 0xFFF, 8)}{(st.Nlink > 1 && (st.Mode & Libc.S_IFMT) != Libc.S_IFDIR ? $", {st.Nlink} links" : "")}";
    }
}
