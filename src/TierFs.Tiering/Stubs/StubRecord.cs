using System.Text.Json.Serialization;

namespace TierFs.Tiering.Stubs;

/// <summary>
/// What TierFs knows of one file, stored with the file itself in the xattr
/// <see cref="StubXattr.Name"/>, so that the index can always be rebuilt from the tree:
/// the remote object (key, checksums, part size), the data version it was archived from
/// (size, mtime), the attributes a stub must keep (size, ctime), and the pair.
/// </summary>
public sealed record StubRecord
{
    public const int CurrentVersion = 1;

    [JsonPropertyName("v")] public int Version { get; init; } = CurrentVersion;
    /// <summary>archived, released or lost; "dirty" and "resident" are derived or flag-only.</summary>
    [JsonPropertyName("state")] public required string State { get; init; }
    /// <summary>The file's stable id: object keys derive from it, never from the path.</summary>
    [JsonPropertyName("id")] public required string FileId { get; init; }
    /// <summary>Archive generation: a changed file gets a new object.</summary>
    [JsonPropertyName("gen")] public int Generation { get; init; } = 1;
    [JsonPropertyName("key")] public string? ObjectKey { get; init; }
    [JsonPropertyName("sum")] public string? Checksum { get; init; }
    /// <summary>
    /// The object's CompositeCrc32C (same part cut). Kept for cheap per-part checks, but never what a
    /// recall trusts: whoever can write the remote tier can match a CRC.
    /// </summary>
    [JsonPropertyName("crc")] public string? Crc32C { get; init; }
    /// <summary>
    /// The object's CompositeBlake3 (same part cut): what a recall verifies. Records written before it
    /// existed lack it and are verified by <see cref="Checksum"/> (MD5 per part: no second preimage is
    /// known for it either), never by the CRC alone.
    /// </summary>
    [JsonPropertyName("b3")] public string? Blake3 { get; init; }
    [JsonPropertyName("part")] public long PartSize { get; init; }
    /// <summary>The data version archived: size and mtime (ns since the epoch).</summary>
    [JsonPropertyName("size")] public long Size { get; init; }
    [JsonPropertyName("mtime")] public long MtimeNs { get; init; }
    [JsonPropertyName("atime")] public long AtimeNs { get; init; }
    /// <summary>The ctime a stub shows (the file's before release; moved on by changes through the mount).</summary>
    [JsonPropertyName("ctime")] public long CtimeNs { get; init; }
    [JsonPropertyName("pair")] public string? Pair { get; init; }
    [JsonPropertyName("flags")] public TierFlags Flags { get; init; }
    [JsonPropertyName("archived")] public long ArchivedAtMs { get; init; }
    [JsonPropertyName("released")] public long ReleasedAtMs { get; init; }
    /// <summary>Set when a change through the mount made the archive stale.</summary>
    [JsonPropertyName("dirty")] public bool Dirty { get; init; }

    public const string StateArchived = "archived";
    public const string StateReleased = "released";
    public const string StateLost = "lost";
    /// <summary>Only flags (noarchive/norelease) on a file with no archive.</summary>
    public const string StateNone = "none";

    [JsonIgnore] public bool IsStub => State is StateReleased or StateLost;
    [JsonIgnore] public bool HasArchive => ObjectKey is not null && State != StateNone;

    /// <summary>The state, given the file's current size and mtime (a changed archived file is dirty).</summary>
    public TierState StateFor(long currentSize, long currentMtimeNs) => State switch
    {
        StateReleased => TierState.Released,
        StateLost => TierState.Lost,
        StateArchived when Dirty || currentSize != Size || currentMtimeNs != MtimeNs => TierState.Dirty,
        StateArchived => TierState.Archived,
        _ => TierState.Resident,
    };
}
