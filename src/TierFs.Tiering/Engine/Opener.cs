namespace TierFs.Tiering.Engine;

/// <summary>Who opened a file through the mount (the FUSE request's pid and uid), named in the recall's log line.</summary>
public readonly record struct Opener(int Pid, uint Uid)
{
    /// <summary>"pid=P uid=U comm=NAME", read now (the opener waits for the recall, so it is still there).</summary>
    public string Describe() => Posix.ProcessName.Describe(Pid, Uid);
}
