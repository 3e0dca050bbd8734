namespace TierFs.Daemon;

/// <summary>The run under way, as `tierfs status` shows it.</summary>
internal sealed class RunState(long run, DateTimeOffset started)
{
    public long Run { get; } = run;
    public DateTimeOffset Started { get; } = started;
    /// <summary>scanning, planning, or the job under way.</summary>
    public volatile string Phase = "scanning";
    public volatile JobProgress? Job;
    /// <summary>The jobs of this run not started yet: (name, files, bytes).</summary>
    public volatile IReadOnlyList<(string Name, int Files, long Bytes)> Queue = [];
}
