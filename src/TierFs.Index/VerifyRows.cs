namespace TierFs.Index;

/// <summary>
/// One verify run (`tierfs verify`, or the daemon's scheduled one): what it checked and what it found,
/// by kind. Times are unix ms; Finished is 0 while it runs. Status: running, clean, differences,
/// error, cancelled.
/// </summary>
public sealed record VerifyRunRow
{
    public const string StatusRunning = "running";
    public const string StatusClean = "clean";
    public const string StatusDifferences = "differences";
    public const string StatusError = "error";
    public const string StatusCancelled = "cancelled";

    public required long Id { get; init; }
    public required long StartedMs { get; init; }
    public long FinishedMs { get; init; }
    /// <summary>meta, object or data.</summary>
    public required string Level { get; init; }
    /// <summary>command or schedule.</summary>
    public required string Trigger { get; init; }
    /// <summary>The paths it was limited to (null: the whole mount).</summary>
    public string? Scope { get; init; }
    public bool Repair { get; init; }
    public long Files { get; init; }
    public long Objects { get; init; }
    public long Bytes { get; init; }
    public long Missing { get; init; }
    public long SizeDiffers { get; init; }
    public long ChecksumDiffers { get; init; }
    public long Orphans { get; init; }
    public long RecordIndex { get; init; }
    public long Foreign { get; init; }
    public long Errors { get; init; }
    public long Repaired { get; init; }
    public required string Status { get; init; }
    /// <summary>Why the run failed (status error), else null.</summary>
    public string? Message { get; init; }

    /// <summary>The differences found (foreign records are reported, not counted: another remote's files are not this one's to check).</summary>
    public long Differences => Missing + SizeDiffers + ChecksumDiffers + Orphans + RecordIndex;

    public TimeSpan Duration => TimeSpan.FromMilliseconds(Math.Max(0, (FinishedMs == 0 ? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() : FinishedMs) - StartedMs));
}

/// <summary>One difference a verify run found: its kind, the file (path relative to the mount) and object, what differs, and what a repair did or would do.</summary>
public sealed record VerifyDiffRow(long Run, long Seq, string Kind, string? Path, string? ObjectKey, string Detail, string? Repair);

/// <summary>An alarm: raised by a verify run with differences, open until acknowledged (`tierfs alarms --ack`). Times unix ms.</summary>
public sealed record AlarmRow
{
    public required long Id { get; init; }
    public required long RaisedMs { get; init; }
    /// <summary>What raised it: "verify".</summary>
    public required string Source { get; init; }
    public long? Run { get; init; }
    public required string Message { get; init; }
    /// <summary>When it was acknowledged (0: open).</summary>
    public long AckedMs { get; init; }
    public string? AckedBy { get; init; }

    public bool IsOpen => AckedMs == 0;
}
