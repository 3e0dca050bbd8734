namespace TierFs.Index;

/// <summary>
/// One entry of the operation log (what was archived, released, recalled, deleted, and how it went).
/// Every entry has an origin (the node that wrote it) and a sequence number of that origin, both
/// assigned when a local entry is committed (leave them, and <see cref="Id"/>, unset when
/// appending); entries of a peer keep theirs: (origin, seq) names an entry on both nodes.
/// </summary>
public sealed record OpLogEntry
{
    public const string OpArchive = "archive";
    public const string OpRelease = "release";
    public const string OpRecall = "recall";
    public const string OpDelete = "delete";
    public const string OpVerify = "verify";

    public long Id { get; init; }
    public string Origin { get; init; } = "";
    public long Seq { get; init; }
    public required long AtMs { get; init; }
    public required string Op { get; init; }
    public string? Path { get; init; }
    public string? FileId { get; init; }
    public long Bytes { get; init; }
    public long DurationMs { get; init; }
    public bool Ok { get; init; } = true;
    public string? Error { get; init; }
}
