using System.Net.Sockets;

namespace TierFs.Tiering.Control;

/// <summary>
/// Creates the listening Unix socket at its path with mode 0666 (any user may connect: the
/// server decides per request what the caller may do, from the caller's credentials) and with
/// no window in which it exists half made: bind inside a fresh 0700 directory, chmod, then
/// rename into place (which also replaces a stale socket left by a daemon that died). Who may
/// replace the socket is its directory's business (0755 root). Modes are set explicitly, never
/// left to the umask.
/// </summary>
public static class SocketFile
{
    private const UnixFileMode SocketMode = (UnixFileMode)0b110_110_110; // 0666
    private const UnixFileMode PrivateDir = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode SharedDir = (UnixFileMode)0b111_101_101; // 0755

    public static Socket Listen(string path, int backlog = 64)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir, SharedDir);
        if (IsAnswering(full))
            throw new IOException($"another process already serves the control socket {full}");

        // Short: a socket path holds at most 107 bytes, and this one is longer than the final path.
        var tempDir = Path.Combine(dir, $".{Guid.NewGuid():N}"[..13] + ".tmp");
        Directory.CreateDirectory(tempDir, PrivateDir);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            var temp = Path.Combine(tempDir, "s");
            socket.Bind(Endpoint(temp));
            File.SetUnixFileMode(temp, SocketMode);
            File.Move(temp, full, overwrite: true); // rename(2): atomic, the socket keeps its inode
            socket.Listen(backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        finally
        {
            try { Directory.Delete(tempDir, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>True when a process accepts connections on the socket at this path.</summary>
    public static bool IsAnswering(string path)
    {
        if (!File.Exists(path)) return false;
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(Endpoint(path));
            return true;
        }
        catch (SocketException) { return false; }
    }

    public static UnixDomainSocketEndPoint Endpoint(string path)
    {
        try { return new UnixDomainSocketEndPoint(path); }
        catch (ArgumentOutOfRangeException e)
        {
            throw new IOException($"the socket path {path} is too long for a Unix socket (at most 107 bytes)", e);
        }
    }
}
