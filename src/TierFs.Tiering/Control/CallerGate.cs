using TierFs.Posix;
using TierFs.Records;

namespace TierFs.Tiering.Control;

/// <summary>
/// Who may do what over the control socket, which any user can connect to. Root: everything.
/// Another user may do what Lustre lets users do (lfs hsm_state, hsm_restore): `tierfs state`
/// (without --set/--clear) and `tierfs recall`, of files named one by one that the user can read
/// (<see cref="ReadAccess"/>: the kernel decides, the directories above the mountpoint included).
/// Every other request from a user is refused whole; a path the user cannot read gets its own
/// "permission denied" and is not touched.
/// </summary>
public sealed class CallerGate : ITierCommands, IDisposable
{
    private readonly int _rootFd;
    private readonly MountAncestors _above;
    private readonly ITierCommands _inner;

    /// <param name="backingRootFd">The backing tree's root (duplicated: the gate keeps its own).</param>
    /// <param name="above">The directories above the mountpoint, which a user must be able to search too.</param>
    public CallerGate(int backingRootFd, MountAncestors above, ITierCommands inner)
    {
        _rootFd = Libc.Dup(backingRootFd);
        if (_rootFd < 0) throw new IOException($"cannot duplicate the backing root descriptor: errno {Libc.Errno()}");
        _above = above;
        _inner = inner;
    }

    public async Task RunAsync(ControlRequest request, IControlSink sink, CancellationToken ct)
    {
        // Requests made inside the daemon carry no caller; root's are not restricted.
        if (request.Caller is not { IsRoot: false } user)
        {
            await _inner.RunAsync(request, sink, ct).ConfigureAwait(false);
            return;
        }
        if (Refusal(request, user) is { } why) throw new ControlException(why);
        var verdicts = ReadAccess.Check(_rootFd, _above, user, request.Paths);
        var allowed = new List<string>();
        for (var i = 0; i < verdicts.Length; i++)
        {
            if (verdicts[i] is { } error) sink.Result(new FileResult(request.Paths[i], false, null, error));
            else allowed.Add(request.Paths[i]);
        }
        if (allowed.Count > 0) await _inner.RunAsync(request with { Paths = allowed }, sink, ct).ConfigureAwait(false);
    }

    /// <summary>Null when a non-root caller may make this request; else the one line saying why not.</summary>
    public static string? Refusal(ControlRequest request, Caller user)
    {
        var op = ControlProtocol.OpName(request.Op);
        var allowed = request.Op is TierOp.Recall || (request.Op is TierOp.State && (request.SetFlags | request.ClearFlags) == TierFlags.None && request.Lost is null);
        if (!allowed)
            return $"only root may {(request.Op == TierOp.State ? "set or clear flags" : op)} (you are uid {user.Uid}); users may run tierfs state and tierfs recall on files they can read";
        if (request.Recursive)
            return $"only root may {op} -r (you are uid {user.Uid}); name the files one by one";
        return null;
    }

    public void Dispose() => Libc.Close(_rootFd);
}
