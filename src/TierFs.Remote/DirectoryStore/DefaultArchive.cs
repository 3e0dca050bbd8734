using System.Runtime.InteropServices;
using TierFs.Common;
using TierFs.Posix;

namespace TierFs.Remote;

/// <summary>
/// The embedded default archive, a directory TierFs owns in its state directory: root-only (0700).
/// An archive made by an older TierFs (0777 directories, 0666 objects: any user could read a 0600
/// file's data there or replace its object) is tightened when it is opened: the top first, so that
/// no other user can enter it any more, then every directory below to 0700 and every file to 0600,
/// through descriptors opened without following symbolic links (a link planted while the archive
/// was open to all is left alone, and so is what it points to).
/// </summary>
public static unsafe class DefaultArchive
{
    private const string LogSource = "remote";
    // The archive itself may be an administrator's symbolic link (to a larger disk): it is followed;
    // nothing below it is.
    private const int TopFlags = Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC;
    private const int O_NONBLOCK = 0x800;
    // O_NONBLOCK: a FIFO planted in the archive must not block the open.
    private const int EntryFlags = Libc.O_RDONLY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC | Libc.O_NOCTTY | O_NONBLOCK;
    private const uint ModeBits = 0xFFF;

    /// <summary>Creates <paramref name="path"/> 0700, or makes an existing one root-only (with everything below).</summary>
    public static void Prepare(string path)
    {
        PrivateModes.CreateDirectory(path);
        var fd = OpenAt(Libc.AT_FDCWD, path, TopFlags);
        if (fd < 0) throw new IOException($"cannot open the archive {path}: {Marshal.GetPInvokeErrorMessage(Libc.Errno())}");
        try
        {
            var mode = Stat(fd).Mode & ModeBits;
            if (mode == (uint)PrivateModes.Directory) return;
            Chmod(fd, PrivateModes.Directory, path);
            var (directories, files) = (0, 0);
            TightenBelow(fd, path, ref directories, ref files);
            Log.Info(LogSource, $"the default archive {path} was {PrivateModes.Octal((UnixFileMode)mode)} (made by an older TierFs): " +
                                $"now root-only, with {directories} directories 0700 and {files} files 0600 below it");
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    private static void TightenBelow(int dirFd, string path, ref int directories, ref int files)
    {
        var listFd = Libc.Dup(dirFd);
        if (listFd < 0) throw new IOException($"cannot read {path}: errno {Libc.Errno()}");
        var dir = Libc.FdOpenDir(listFd);
        if (dir == IntPtr.Zero)
        {
            Libc.Close(listFd);
            throw new IOException($"cannot read {path}: errno {Libc.Errno()}");
        }
        try
        {
            for (var entry = Libc.ReadDir(dir); entry != null; entry = Libc.ReadDir(dir))
            {
                var name = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(entry->Name);
                if (name.SequenceEqual("."u8) || name.SequenceEqual(".."u8)) continue;
                var child = $"{path}/{System.Text.Encoding.UTF8.GetString(name)}";
                var fd = Libc.OpenAt(dirFd, entry->Name, EntryFlags, 0);
                if (fd < 0) continue; // a symbolic link (ELOOP), or gone: nothing of ours to tighten
                try
                {
                    var type = Stat(fd).Mode & Libc.S_IFMT;
                    if (type == Libc.S_IFDIR)
                    {
                        Chmod(fd, PrivateModes.Directory, child);
                        directories++;
                        TightenBelow(fd, child, ref directories, ref files);
                    }
                    else if (type == Libc.S_IFREG)
                    {
                        Chmod(fd, PrivateModes.File, child);
                        files++;
                    }
                }
                finally
                {
                    Libc.Close(fd);
                }
            }
        }
        finally
        {
            Libc.CloseDir(dir);
        }
    }

    private static int OpenAt(int dirFd, string path, int flags)
    {
        fixed (byte* p = System.Text.Encoding.UTF8.GetBytes(path + "\0")) return Libc.OpenAt(dirFd, p, flags, 0);
    }

    private static StatX Stat(int fd)
    {
        StatX st;
        fixed (byte* empty = "\0"u8)
        {
            if (Libc.Statx(fd, empty, Libc.AT_EMPTY_PATH, StatX.BasicStats, &st) != 0)
                throw new IOException($"statx failed: errno {Libc.Errno()}");
        }
        return st;
    }

    private static void Chmod(int fd, UnixFileMode mode, string path)
    {
        if (Libc.Fchmod(fd, (uint)mode) != 0) throw new IOException($"cannot make {path} {PrivateModes.Octal(mode)}: errno {Libc.Errno()}");
    }
}
