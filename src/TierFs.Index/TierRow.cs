namespace TierFs.Index;

/// <summary>
/// One row of the <c>tier</c> table: the index's copy of a file's stub record (the xattr keeps the
/// truth), plus the last path it was seen at. Times are unix ms, 0 = never; file times are ns.
/// </summary>
public sealed record TierRow
{
    public const string StateArchived = "archived";
    public const string StateReleased = "released";
    public const string StateLost = "lost";
    /// <summary>Only flags (noarchive/norelease) on a file with no archive.</summary>
    public const string StateNone = "none";

    public required FileKey Key { get; init; }
    /// <summary>The file's stable id: object keys derive from it, never from the path.</summary>
    public required string FileId { get; init; }
    /// <summary>archived, released, lost or none (<see cref="IsKnownState"/>).</summary>
    public required string State { get; init; }
    /// <summary>Changed through the mount since it was archived: the remote copy is stale.</summary>
    public bool Dirty { get; init; }
    /// <summary>The tiering flags bit set (noarchive, norelease), as the stub record has them.</summary>
    public int Flags { get; init; }
    public string? ObjectKey { get; init; }
    public int Generation { get; init; }
    public string? Checksum { get; init; }
    /// <summary>The record's CompositeCrc32C and CompositeBlake3 (null in rows of records that lack them).</summary>
    public string? Crc32C { get; init; }
    public string? Blake3 { get; init; }
    public long PartSize { get; init; }
    /// <summary>The data version archived: size and mtime.</summary>
    public long Size { get; init; }
    public long MtimeNs { get; init; }
    /// <summary>Kept because the stub record has it: a rebuilt record must not lose it.</summary>
    public long AtimeNs { get; init; }
    /// <summary>The ctime a stub shows.</summary>
    public long CtimeNs { get; init; }
    /// <summary>The pair name recorded after a forward migration, cleared after a reverse one.</summary>
    public string? Pair { get; init; }
    public long ArchivedAtMs { get; init; }
    public long ReleasedAtMs { get; init; }
    public long RecalledAtMs { get; init; }
    /// <summary>The remote tier the object was archived to (null: a record older than the field).</summary>
    public string? Remote { get; init; }
    /// <summary>What the store reported for the object at upload.</summary>
    public string? ETag { get; init; }
    /// <summary>A recall was writing the file's data (see the stub record).</summary>
    public bool Recalling { get; init; }
    /// <summary>Last known path relative to the mount root: a hint for reports, never an identity.</summary>
    public string? Path { get; init; }

    public static bool IsKnownState(string? state) =>
        state is StateArchived or StateReleased or StateLost or StateNone;
}
