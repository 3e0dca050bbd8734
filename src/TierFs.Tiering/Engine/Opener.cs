namespace TierFs.Tiering.Engine;

/// <summary>Who asked the mount for a file's data (the FUSE request's pid, uid and gid) and how: an open or a truncate.</summary>
public readonly record struct Opener(int Pid, uint Uid, uint Gid = 0, RecallTrigger Trigger = RecallTrigger.Open)
{
    /// <summary>The cause of the recall this access may start (the command name is read from /proc when first needed).</summary>
    public RecallCause Cause() => new(Trigger, Pid, Uid, Gid);
}
