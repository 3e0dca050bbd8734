namespace TierFs.Tiering.Engine;

/// <summary>What is wrong with a record's remote copy, as a HEAD shows it.</summary>
public enum RemoteCopyProblemKind
{
    /// <summary>No such object.</summary>
    Missing,
    /// <summary>Not the archived size (truncated, or another object).</summary>
    SizeDiffers,
    /// <summary>Not the ETag the store gave at upload: the object was written again.</summary>
    Replaced,
    /// <summary>Its file_id attribute names another file.</summary>
    OtherFile,
}

/// <summary>A remote copy that is not as archived: the kind, and the one line that says so.</summary>
public sealed record RemoteCopyProblem(RemoteCopyProblemKind Kind, string Message);
