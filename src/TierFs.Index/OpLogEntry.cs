namespace TierFs.Index;

/// <summary>
/// One entry of the operation log (what was archived, released, recalled, deleted, and how it went).
/// <see cref="Id"/> is assigned when the entry is committed; leave it 0 when appending.
/// </summary>
public sealed record OpLogEntry
{
    public const string OpArchive = "archive";
    public const string OpRelease = "release";
    public const string OpRecall = "recall";
    public const string OpDelete = "delete";

    public long Id { get; init; }
    public required long AtMs { get; init; }
    public required string Op { get; init; }
    public string? Path { get; init; }
    public string? FileId { get; init; }
    public long Bytes { get; init; }
    public long DurationMs { get; init; }
    public bool Ok { get; init; } = true;
    public string? Error { get; init; }
}
