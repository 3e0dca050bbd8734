using TierFs.Index;
using TierFs.Tiering.Stubs;

namespace TierFs.Scan;

/// <summary>
/// The one mapping between a file's stub record (the truth, in its xattr) and the index's copy,
/// used by the scanner and by the mount's journal alike.
/// </summary>
public static class TierRecords
{
    public static TierRow Row(FileKey key, StubRecord r, string? path) => new()
    {
        Key = key,
        FileId = r.FileId,
        State = r.State,
        Dirty = r.Dirty,
        Flags = (int)r.Flags,
        ObjectKey = r.ObjectKey,
        Generation = r.Generation,
        Checksum = r.Checksum,
        Crc32C = r.Crc32C,
        Blake3 = r.Blake3,
        PartSize = r.PartSize,
        Size = r.Size,
        MtimeNs = r.MtimeNs,
        AtimeNs = r.AtimeNs,
        CtimeNs = r.CtimeNs,
        Pair = r.Pair,
        ArchivedAtMs = r.ArchivedAtMs,
        ReleasedAtMs = r.ReleasedAtMs,
        Remote = r.Remote,
        ETag = r.ETag,
        Recalling = r.Recalling,
        Path = path,
    };

    public static StubRecord Record(TierRow row) => new()
    {
        State = row.State,
        FileId = row.FileId,
        Generation = row.Generation,
        ObjectKey = row.ObjectKey,
        Checksum = row.Checksum,
        Crc32C = row.Crc32C,
        Blake3 = row.Blake3,
        PartSize = row.PartSize,
        Size = row.Size,
        MtimeNs = row.MtimeNs,
        AtimeNs = row.AtimeNs,
        CtimeNs = row.CtimeNs,
        Pair = row.Pair,
        Flags = (TierFlags)row.Flags,
        ArchivedAtMs = row.ArchivedAtMs,
        ReleasedAtMs = row.ReleasedAtMs,
        Dirty = row.Dirty,
        Remote = row.Remote,
        ETag = row.ETag,
        Recalling = row.Recalling,
    };
}
