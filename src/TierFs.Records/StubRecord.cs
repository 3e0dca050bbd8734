using System.Text.Json.Serialization;

namespace TierFs.Records;

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
    /// <summary>
    /// The remote tier the object was archived to (<c>IRemoteStore.Identity</c>: store type, bucket or
    /// path, prefix; not the endpoint). A mount whose remote differs never recalls, releases or deletes
    /// for this record. Records written before it existed lack it and are taken as the mount's own.
    /// </summary>
    [JsonPropertyName("remote")] public string? Remote { get; init; }
    /// <summary>What the store reported for the object at upload (S3 ETag, the directory store's checksum): a release checks it is still there.</summary>
    [JsonPropertyName("etag")] public string? ETag { get; init; }
    /// <summary>
    /// Set (on a released record) while a recall writes the file's data: after a crash, the data
    /// blocks and the moved mtime are the recall's leftovers, not a change made behind the mount.
    /// </summary>
    [JsonPropertyName("recalling")] public bool Recalling { get; init; }

    public const string StateArchived = "archived";
    public const string StateReleased = "released";
    public const string StateLost = "lost";
    /// <summary>Only flags (noarchive/norelease) on a file with no archive.</summary>
    public const string StateNone = "none";

    /// <summary>The state words a record may hold (the others a file may be in are derived: see <see cref="StateFor"/>).</summary>
    public static bool IsKnownState(string? state) => state is StateArchived or StateReleased or StateLost or StateNone;

    [JsonIgnore] public bool IsStub => State is StateReleased or StateLost;
    [JsonIgnore] public bool HasArchive => ObjectKey is not null && State != StateNone;

    /// <summary>
    /// Whether the mount shows the record's ctime instead of the file's: while the file is a stub or
    /// an unchanged archived copy, our own xattr writes and hole punching moved the backing ctime,
    /// which the user did not do; once the data changed (dirty, mismatch), the file's own.
    /// </summary>
    public bool ShowsRecordCtime(long currentSize, long currentMtimeNs) =>
        StateFor(currentSize, currentMtimeNs) is TierState.Released or TierState.Lost or TierState.Archived;

    /// <summary>True when the record names another remote tier than <paramref name="identity"/> (a record without one names none).</summary>
    public bool IsForeign(string identity) => Remote is not null && Remote != identity;

    /// <summary>
    /// The state, given the file's current size and mtime: a changed archived file is dirty; a stub
    /// whose size or mtime is no longer the recorded one was changed behind the mount (mismatch),
    /// unless a recall of ours was interrupted (its own writes moved the mtime).
    /// </summary>
    public TierState StateFor(long currentSize, long currentMtimeNs) => State switch
    {
        StateReleased when !Recalling && (currentSize != Size || currentMtimeNs != MtimeNs) => TierState.Mismatch,
        StateReleased => TierState.Released,
        StateLost => TierState.Lost,
        StateArchived when Dirty || currentSize != Size || currentMtimeNs != MtimeNs => TierState.Dirty,
        StateArchived => TierState.Archived,
        _ => TierState.Resident,
    };
}
