using System.Net.Sockets;
using System.Runtime.InteropServices;
using TierFs.Posix;

namespace TierFs.Tiering.Control;

/// <summary>
/// Who is at the other end of a control connection, as the kernel vouches for it at connect
/// time (SO_PEERCRED, SO_PEERGROUPS): nothing the client says about itself is believed.
/// </summary>
public sealed record Caller(int Pid, uint Uid, uint Gid, IReadOnlyList<uint> Groups)
{
    private const int SolSocket = 1, SoPeerCred = 17, SoPeerGroups = 59;
    private const int MaxGroups = 65536; // NGROUPS_MAX

    public bool IsRoot => Uid == 0;

    /// <summary>"pid=P uid=U comm=NAME", read when the connection was accepted.</summary>
    public string Description { get; private init; } = "";

    public override string ToString() => Description;

    public static Caller Of(Socket socket)
    {
        Span<int> cred = stackalloc int[3]; // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
        if (socket.GetRawSocketOption(SolSocket, SoPeerCred, MemoryMarshal.AsBytes(cred)) != 12)
            throw new ControlException("cannot learn who is calling (SO_PEERCRED)");
        var (pid, uid, gid) = (cred[0], (uint)cred[1], (uint)cred[2]);
        // Root's groups never matter; a user's are needed to decide as the kernel would.
        IReadOnlyList<uint> groups = uid == 0 ? [] : PeerGroups(socket);
        return new Caller(pid, uid, gid, groups) { Description = ProcessName.Describe(pid, uid) };
    }

    private static uint[] PeerGroups(Socket socket)
    {
        var buffer = new uint[MaxGroups];
        var bytes = socket.GetRawSocketOption(SolSocket, SoPeerGroups, MemoryMarshal.AsBytes(buffer.AsSpan()));
        return buffer[..(bytes / sizeof(uint))];
    }
}
