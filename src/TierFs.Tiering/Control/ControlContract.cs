using TierFs.Records;
namespace TierFs.Tiering.Control;

/// <summary>
/// What a `tierfs` command asks the mount process to do: an operation on files
/// (state|archive|release|migrate|recall), or one of the daemon's (scan, policy list|run, status).
/// </summary>
public enum TierOp { State, Archive, Release, Migrate, Recall, Scan, PolicyList, PolicyRun, Status, Reload, Check, Resolve, Verify, Alarms, Sync }

/// <summary>Which version of a stub changed behind the mount `tierfs resolve` keeps.</summary>
public enum ResolveChoice { None, KeepLocal, KeepRemote }

/// <summary>
/// One command: an operation on paths relative to the mount's root ("" is the root itself).
/// Recursive: directories stand for every regular file below them. With State, SetFlags and
/// ClearFlags change the files' noarchive/norelease flags first, and <paramref name="Lost"/> sets
/// (true) or clears (false) a stub's lost mark. Resolve keeps <paramref name="Resolve"/>'s version of
/// a stub changed behind the mount (<paramref name="Force"/>: even over data written there). The daemon's operations take
/// no paths: PolicyRun runs <paramref name="Policy"/> (all when null), only planning with
/// <paramref name="DryRun"/>, taking files that wait for a retry at once with <paramref name="RetryNow"/>;
/// Scan uses <paramref name="Threads"/> (0: the default). Reload reads the mount's configuration again.
/// Verify checks the files under <paramref name="Paths"/> (all when empty) at <paramref name="Level"/>, fixing
/// what it safely can with <paramref name="Repair"/> (only saying what it would with <paramref name="DryRun"/>);
/// Alarms lists the open alarms, or acknowledges alarm <paramref name="Ack"/>.
/// </summary>
public sealed record ControlRequest(TierOp Op, IReadOnlyList<string> Paths, bool Recursive,
    TierFlags SetFlags = TierFlags.None, TierFlags ClearFlags = TierFlags.None,
    string? Policy = null, bool DryRun = false, int Threads = 0, bool RetryNow = false,
    bool? Lost = null, ResolveChoice Resolve = ResolveChoice.None, bool Force = false,
    VerifyLevel Level = VerifyLevel.Object, bool Repair = false, long Ack = 0)
{
    /// <summary>Who asked, as the kernel says (set by the control server, never read from the wire); null inside the daemon.</summary>
    public Caller? Caller { get; init; }

    /// <summary>An operation of the mount as a whole (scan, policies, status, reload, verify, alarms, sync), not on named files.</summary>
    public bool IsDaemonOp => IsDaemon(Op);

    public static bool IsDaemon(TierOp op) => op is TierOp.Scan or TierOp.PolicyList or TierOp.PolicyRun or TierOp.Status or TierOp.Reload or TierOp.Verify or TierOp.Alarms or TierOp.Sync;
}

/// <summary>
/// The outcome for one file: its state afterwards ("released", "archived,norelease"...) or why it
/// failed; <paramref name="Note"/> says what an administrator should know of the state (why a stub
/// cannot be recalled as it is).
/// </summary>
public sealed record FileResult(string Path, bool Ok, string? State, string? Error, string? Note = null);

/// <summary>Where the engine reports while it works (the control server forwards each call to the client).</summary>
public interface IControlSink
{
    /// <summary>A transfer moved on: bytes done of total for one file.</summary>
    void Progress(string path, long done, long total);

    /// <summary>A file is finished, successfully or not.</summary>
    void Result(FileResult result);

    /// <summary>
    /// Optional, once, before the first transfer: how many regular files and bytes the request
    /// covers once directories are expanded, so that the client shows an overall total.
    /// </summary>
    void Planned(int files, long bytes) { }

    /// <summary>A daemon operation's report: <paramref name="kind"/> names it, <paramref name="json"/> is one JSON object.</summary>
    void Data(string kind, string json) { }
}

/// <summary>The engine behind the control socket (implemented by the tiering service).</summary>
public interface ITierCommands
{
    /// <summary>
    /// Runs the request: expands directories when recursive, works on every regular file
    /// (large files first), reports one Result per file (also for paths that do not exist or
    /// are not regular files), and returns when all are done or <paramref name="ct"/> is cancelled.
    /// </summary>
    Task RunAsync(ControlRequest request, IControlSink sink, CancellationToken ct);
}
