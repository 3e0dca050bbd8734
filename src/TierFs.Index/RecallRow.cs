using TierFs.Records;

namespace TierFs.Index;

/// <summary>
/// One row of the recalls table: one recall (openers sharing it: the first one's trigger, pid and
/// command). Times are unix ms; Result is "ok" or "failed" (Error says why).
/// </summary>
public sealed record RecallRow
{
    public const string ResultOk = "ok";
    public const string ResultFailed = "failed";

    /// <summary>The inode: the path is looked up by it when <see cref="Path"/> is null.</summary>
    public required FileKey Key { get; init; }
    public string? FileId { get; init; }
    public string? Path { get; init; }
    /// <summary>open, truncate, command, resolve or policy.</summary>
    public required string Trigger { get; init; }
    public int Pid { get; init; }
    public uint Uid { get; init; }
    public uint Gid { get; init; }
    public required string Command { get; init; }
    public required long StartedMs { get; init; }
    public required long EndedMs { get; init; }
    public long Bytes { get; init; }
    public string? Error { get; init; }
    public string Result => Error is null ? ResultOk : ResultFailed;
}
