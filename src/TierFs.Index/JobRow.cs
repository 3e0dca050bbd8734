using TierFs.Records;
namespace TierFs.Index;

/// <summary>
/// One job of the tiering daemon: a policy's (or the usage release's) work in one run. Times
/// are unix ms; Finished is 0 while it runs. Status: running, done, cancelled, interrupted (its
/// daemon died: its lease ran out before it finished).
/// </summary>
public sealed record JobRow
{
    public const string StatusRunning = "running";
    public const string StatusDone = "done";
    public const string StatusCancelled = "cancelled";
    public const string StatusInterrupted = "interrupted";

    public required long Id { get; init; }
    /// <summary>The daemon run the job belongs to (one scan, then every policy).</summary>
    public required long Run { get; init; }
    /// <summary>"policy" or "usage".</summary>
    public required string Kind { get; init; }
    public string? Policy { get; init; }
    /// <summary>migrate, archive or release.</summary>
    public required string Action { get; init; }
    public required long StartedMs { get; init; }
    public long FinishedMs { get; init; }
    /// <summary>Files the plan selected.</summary>
    public long Planned { get; init; }
    public long Files { get; init; }
    public long Bytes { get; init; }
    public long Skipped { get; init; }
    public long Failed { get; init; }
    public required string Status { get; init; }
    /// <summary>The daemon (node and process) that runs it; null in rows written before owners were recorded.</summary>
    public string? Owner { get; init; }

    public TimeSpan Duration => TimeSpan.FromMilliseconds(Math.Max(0, (FinishedMs == 0 ? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() : FinishedMs) - StartedMs));
}

/// <summary>
/// A file the daemon failed to move, by its stable id (<see cref="JobFileId"/>): the data (mtime)
/// that failed, the attempts so far, when it may be tried again (unix ms), and why it failed.
/// </summary>
public sealed record RetryRow(string File, long MtimeNs, int Attempts, long NextTryMs, string? LastError);

/// <summary>A file's claim by a job: held by <paramref name="Owner"/> until <paramref name="ExpiresMs"/> (unix ms) unless renewed.</summary>
public sealed record ClaimRow(string File, long Job, string Owner, long ExpiresMs);

/// <summary>
/// The name the daemon's job store gives a file: the record's FileId once the file has a record
/// (archived, or flags set): it stays through renames and through a restore that gives the file
/// another device or inode number. A file that never had a record has no id yet (the engine gives
/// it one when it first archives it; giving it one earlier would mean writing its xattr, which
/// moves the ctime its user sees), so it is named by its inode, "inode:DEV:INO".
/// </summary>
public static class JobFileId
{
    private const string InodePrefix = "inode:";

    public static string Of(string? recordFileId, FileKey key) => string.IsNullOrEmpty(recordFileId) ? ForInode(key) : recordFileId;

    /// <summary>The inode form; the numbers as the index stores them (signed 64-bit), as the schema's step 9 wrote them.</summary>
    public static string ForInode(FileKey key) => FormattableString.Invariant($"{InodePrefix}{unchecked((long)key.Dev)}:{unchecked((long)key.Ino)}");

    public static bool IsInode(string id) => id.StartsWith(InodePrefix, StringComparison.Ordinal);
}
