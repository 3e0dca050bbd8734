using TierFs.Posix;
using TierFs.Tiering.Control;

namespace TierFs.Tiering.Engine;

/// <summary>What made a recall happen (the recalls table's <c>trigger</c>).</summary>
public enum RecallTrigger { Open, Truncate, Command, Resolve, Policy }

/// <summary>
/// Who caused a recall and how: the admission rules decide on it, the log line and the recalls
/// table name it. Openers sharing one recall are accounted to the first one's cause.
/// </summary>
public sealed class RecallCause(RecallTrigger trigger, int pid, uint uid, uint gid, IReadOnlyList<uint>? groups = null)
{
    private string? _command;
    private IReadOnlyList<uint>? _groups = groups;

    public RecallTrigger Trigger { get; } = trigger;
    public int Pid { get; } = pid;
    public uint Uid { get; } = uid;
    public uint Gid { get; } = gid;

    /// <summary>/proc/PID/comm, read once when first asked (the caller waits for its open, so it is still there); "?" once it is gone.</summary>
    public string Command => _command ??= ProcessName.Of(Pid);

    /// <summary>The caller's gid and supplementary groups (from /proc/PID/status when the kernel did not give them).</summary>
    public IReadOnlyList<uint> Groups => _groups ??= [Gid, .. ProcessName.Groups(Pid)];

    /// <summary>"open", "truncate", "command", "resolve" or "policy".</summary>
    public string TriggerName => Trigger.ToString().ToLowerInvariant();

    /// <summary>`tierfs recall` or `resolve` by root (and the daemon's own work): never refused, never turned away by a full queue.</summary>
    public bool IsRootCommand => Trigger is RecallTrigger.Command or RecallTrigger.Resolve or RecallTrigger.Policy && Uid == 0;

    /// <summary>"pid=P uid=U comm=NAME".</summary>
    public string Describe() => $"pid={Pid} uid={Uid} comm={Command}";

    /// <summary>A command's cause: the control socket's caller, or this process (the daemon, a test) when there is none.</summary>
    public static RecallCause Of(Caller? caller, RecallTrigger trigger) => caller is null
        ? new RecallCause(trigger, Environment.ProcessId, 0, 0, [])
        : new RecallCause(trigger, caller.Pid, caller.Uid, caller.Gid, [caller.Gid, .. caller.Groups]);
}
