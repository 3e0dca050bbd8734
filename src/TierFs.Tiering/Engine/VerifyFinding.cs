using TierFs.Records;

namespace TierFs.Tiering.Engine;

/// <summary>The kinds of difference `tierfs verify` reports.</summary>
public enum VerifyKind
{
    /// <summary>The object a record names is not on the remote tier.</summary>
    Missing,
    /// <summary>The object is not the archived size (truncated, or another one).</summary>
    SizeDiffers,
    /// <summary>The object is not the archived one: its ETag (object level) or its data's digest (data level) differs.</summary>
    ChecksumDiffers,
    /// <summary>A remote object under the mount's prefix that no record references.</summary>
    Orphan,
    /// <summary>The file's record (the truth) and the index's row disagree, or the index names a file that is not there.</summary>
    RecordIndex,
    /// <summary>Archived to another remote tier: not this mount's to check (reported, not a difference).</summary>
    Foreign,
    /// <summary>The check itself failed (the remote did not answer): nothing concluded.</summary>
    Error,
}

public static class VerifyKinds
{
    public static string Name(VerifyKind kind) => kind switch
    {
        VerifyKind.Missing => "missing",
        VerifyKind.SizeDiffers => "size-differs",
        VerifyKind.ChecksumDiffers => "checksum-differs",
        VerifyKind.Orphan => "orphan",
        VerifyKind.RecordIndex => "record-index",
        VerifyKind.Foreign => "foreign",
        _ => "error",
    };

    /// <summary>Whether the kind is a difference between the tiers (counted, alarmed); foreign records and errors are not.</summary>
    public static bool IsDifference(VerifyKind kind) => kind is not (VerifyKind.Foreign or VerifyKind.Error);
}

/// <summary>One thing verify found about a file (path relative to the mount root) or an object.</summary>
public sealed record VerifyFinding(VerifyKind Kind, string? Path, string? ObjectKey, string Detail);

/// <summary>
/// What verify found about one file: its findings (none: as recorded), whether its object was asked
/// about, the bytes read to check its data, and the record the file holds (null when it has none).
/// </summary>
public sealed record FileVerdict(IReadOnlyList<VerifyFinding> Findings, bool ObjectChecked, long BytesRead, StubRecord? Record);
