using TierFs.Tiering.Control;

namespace TierFs.Ops.Verify;

/// <summary>
/// One verify run: how deep, which files (paths relative to the mount root; none: all, and the
/// orphan listing), whether to repair (or only say what a repair would do), and who started it
/// ("command" or "schedule").
/// </summary>
public sealed record VerifyRequest(VerifyLevel Level, IReadOnlyList<string> Paths, bool Repair, bool DryRun, string Trigger)
{
    /// <summary>A dry run records nothing: no run row, no differences, no alarm.</summary>
    public bool Records => !DryRun;

    public bool WholeMount => Paths.Count == 0;

    /// <summary>Whether a record at <paramref name="path"/> is in scope.</summary>
    public bool Covers(string? path)
    {
        if (WholeMount) return true;
        if (path is null) return false;
        foreach (var p in Paths)
            if (p.Length == 0 || path == p || path.StartsWith(p + "/", StringComparison.Ordinal)) return true;
        return false;
    }
}

/// <summary>Where a verify run reports while it works (the control socket's sink, or nothing for a scheduled run).</summary>
public interface IVerifyReport
{
    void Planned(int files);
    void Progress(long done, long files, long differences);
    void Found(Tiering.Engine.VerifyFinding finding, string? repair);
}
