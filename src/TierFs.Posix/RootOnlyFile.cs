using Microsoft.Win32.SafeHandles;

namespace TierFs.Posix;

/// <summary>
/// Reads a file that root acts on (the configuration: its alarm command runs as root, its policies
/// move and release files), only if no one but root can have written it: the file is root's and
/// not writable by group or others, and so is every directory on its real path (a sticky one, such
/// as /tmp, may be writable by all: no one else can replace root's entry in it). Symlinks are
/// followed, as administrators link configurations; what is checked is the file that was opened
/// and the directories it really is in, so a link repointed after the check changes nothing read.
/// </summary>
public static unsafe class RootOnlyFile
{
    private const uint GroupOrOtherWrite = 0x12; // 020 | 002

    /// <summary>The file's text; <see cref="UntrustedFileException"/> saying why when someone else could have written it.</summary>
    public static string ReadAllText(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        var fd = (int)handle.DangerousGetHandle();
        var st = FdStat.Of(fd);
        if ((st.Mode & Libc.S_IFMT) != Libc.S_IFREG) throw new UntrustedFileException($"{path} is not a regular file");
        var real = RealPath(fd) ?? throw new UntrustedFileException($"{path}: cannot tell which directory it is in");
        if (Problem(real, st, isDir: false) is { } problem) throw new UntrustedFileException(problem);
        for (var dir = Path.GetDirectoryName(real); dir is not null; dir = Path.GetDirectoryName(dir))
            if (Problem(dir, Lstat(dir), isDir: true) is { } above) throw new UntrustedFileException($"{path}: {above}");
        return Read(handle);
    }

    private static string? Problem(string path, StatX st, bool isDir)
    {
        if (st.Uid != 0) return $"{path} is owned by uid {st.Uid}, not root";
        if ((st.Mode & GroupOrOtherWrite) == 0 || (isDir && (st.Mode & Libc.S_ISVTX) != 0)) return null;
        return $"{path} is writable by others (mode {Convert.ToString(st.Mode & 0xFFF, 8)})";
    }

    private static StatX Lstat(string path)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        StatX st;
        fixed (byte* p = bytes)
            if (Libc.Statx(Libc.AT_FDCWD, p, Libc.AT_SYMLINK_NOFOLLOW, StatX.BasicStats, &st) != 0)
                throw new UntrustedFileException($"cannot stat {path}: errno {Libc.Errno()}");
        return st;
    }

    private static string? RealPath(int fd)
    {
        var proc = stackalloc byte[ProcFd.BufferSize];
        var link = new string((sbyte*)ProcFd.Format(fd, proc));
        var target = new FileInfo(link).LinkTarget;
        return target is not null && target.StartsWith('/') && !target.EndsWith(" (deleted)", StringComparison.Ordinal) ? target : null;
    }

    private static string Read(SafeFileHandle handle)
    {
        using var stream = new FileStream(handle, FileAccess.Read, bufferSize: 0);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

/// <summary>A file root is to act on could have been written by someone else.</summary>
public sealed class UntrustedFileException(string message) : Exception(message);
