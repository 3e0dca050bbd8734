using System.Text;
using Microsoft.Win32.SafeHandles;

namespace TierFs.Posix;

/// <summary>
/// Reads a file that root acts on (the configuration: its alarm command runs as root, its policies
/// move and release files), only if no one but root can have written it or chosen it. The path is
/// walked one name at a time, never following a link behind the walk's back: every directory passed
/// through is root's and not writable by group or others (a sticky one, such as /tmp, may be: no
/// one else can replace root's entry in it), every symlink followed is root's (a user's link in
/// /tmp, or one a user could put in place, would choose the file), and the file is a regular file,
/// root's and not writable by group or others. What is read is the file that was checked: it is
/// opened from the checked directory by name without following anything.
/// </summary>
public static unsafe class RootOnlyFile
{
    private const uint GroupOrOtherWrite = 0x12; // 020 | 002
    private const int MaxLinks = 40; // as the kernel's path walk
    private const int PathFlags = Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC;
    // No flock (as File.OpenHandle takes: a reader holding a lock would stop the mount), no wait on a fifo.
    private const int ReadFlags = Libc.O_RDONLY | Libc.O_NOFOLLOW | Libc.O_NONBLOCK | Libc.O_NOCTTY | Libc.O_CLOEXEC;

    /// <summary>The file's text; <see cref="UntrustedFileException"/> saying why when someone else could have written or chosen it.</summary>
    public static string ReadAllText(string path)
    {
        using var stream = new FileStream(OpenChecked(path), FileAccess.Read, bufferSize: 0);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>As <see cref="ReadAllText"/>, for a file another program reads: checked, not read.</summary>
    public static void Check(string path) => OpenChecked(path).Dispose();

    private static SafeFileHandle OpenChecked(string path)
    {
        var handle = new SafeFileHandle(Open(Path.GetFullPath(path), path), ownsHandle: true);
        try
        {
            var st = FdStat.Of((int)handle.DangerousGetHandle());
            if ((st.Mode & Libc.S_IFMT) != Libc.S_IFREG) throw new UntrustedFileException($"{path} is not a regular file");
            if (Problem(path, st, isDir: false) is { } problem) throw new UntrustedFileException(problem);
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Walks <paramref name="full"/> from the root; returns a descriptor of the file, opened for reading from a checked directory.</summary>
    private static int Open(string full, string shown)
    {
        var names = new Stack<string>(Components(full).Reverse());
        var dirFd = OpenAt(Libc.AT_FDCWD, "/", PathFlags | Libc.O_DIRECTORY, "/");
        var at = "/";
        var links = 0;
        try
        {
            CheckDirectory(dirFd, at, shown);
            while (names.TryPop(out var name))
            {
                if (name == ".") continue;
                var last = names.Count == 0;
                var st = StatAt(dirFd, name, Join(at, name));
                if ((st.Mode & Libc.S_IFMT) == Libc.S_IFLNK)
                {
                    if (++links > MaxLinks) throw new UntrustedFileException($"{shown}: too many symlinks on the way");
                    if (st.Uid != 0) throw new UntrustedFileException($"{shown}: the symlink {Join(at, name)} is owned by uid {st.Uid}, not root");
                    var target = ReadLink(dirFd, name, Join(at, name));
                    foreach (var part in Components(target).Reverse()) names.Push(part);
                    if (target.StartsWith('/'))
                    {
                        Replace(ref dirFd, OpenAt(Libc.AT_FDCWD, "/", PathFlags | Libc.O_DIRECTORY, "/"));
                        at = "/";
                    }
                    continue;
                }
                if (last)
                {
                    // The file itself, from the directory checked last: what is read is what is judged.
                    return OpenAt(dirFd, name, ReadFlags, Join(at, name));
                }
                var next = OpenAt(dirFd, name, PathFlags | Libc.O_DIRECTORY, Join(at, name));
                Replace(ref dirFd, next);
                at = name == ".." ? Path.GetDirectoryName(at) ?? "/" : Join(at, name);
                CheckDirectory(dirFd, at, shown);
            }
            throw new UntrustedFileException($"{shown} is not a regular file");
        }
        finally
        {
            Libc.Close(dirFd);
        }
    }

    private static void CheckDirectory(int fd, string at, string shown)
    {
        if (Problem(at, FdStat.Of(fd), isDir: true) is { } problem) throw new UntrustedFileException($"{shown}: {problem}");
    }

    private static string? Problem(string path, StatX st, bool isDir)
    {
        if (st.Uid != 0) return $"{path} is owned by uid {st.Uid}, not root";
        if ((st.Mode & GroupOrOtherWrite) == 0 || (isDir && (st.Mode & Libc.S_ISVTX) != 0)) return null;
        return $"{path} is writable by others (mode {Convert.ToString(st.Mode & 0xFFF, 8)})";
    }

    private static IEnumerable<string> Components(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries);

    private static string Join(string dir, string name) => dir == "/" ? "/" + name : dir + "/" + name;

    private static void Replace(ref int fd, int next)
    {
        Libc.Close(fd);
        fd = next;
    }

    private static int OpenAt(int dirFd, string name, int flags, string shown)
    {
        int fd;
        fixed (byte* p = Z(name)) fd = Libc.OpenAt(dirFd, p, flags, 0);
        if (fd < 0) throw new IOException($"cannot open {shown}: {Why()}");
        return fd;
    }

    private static StatX StatAt(int dirFd, string name, string shown)
    {
        StatX st;
        fixed (byte* p = Z(name))
            if (Libc.Statx(dirFd, p, Libc.AT_SYMLINK_NOFOLLOW, StatX.BasicStats, &st) != 0)
                throw new IOException($"cannot stat {shown}: {Why()}");
        return st;
    }

    private static string ReadLink(int dirFd, string name, string shown)
    {
        var buffer = new byte[4096];
        nint n;
        fixed (byte* p = Z(name))
        fixed (byte* b = buffer)
            n = Libc.ReadlinkAt(dirFd, p, b, (nuint)buffer.Length);
        if (n < 0) throw new IOException($"cannot read the symlink {shown}: {Why()}");
        return Encoding.UTF8.GetString(buffer, 0, (int)n);
    }

    private static string Why() => System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(Libc.Errno());

    private static byte[] Z(string s)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }
}

/// <summary>A file root is to act on could have been written, or chosen, by someone else.</summary>
public sealed class UntrustedFileException(string message) : Exception(message);
