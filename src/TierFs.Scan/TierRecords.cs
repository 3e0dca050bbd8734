using TierFs.Index;
using TierFs.Tiering.Stubs;

namespace TierFs.Scan;

/// <summary>The index's copy of a stub record (the same mapping the mount's journal uses).</summary>
internal static class TierRecords
{
    public static TierRow Row(FileKey key, StubRecord r, string path) => new()
    {
        Key = key,
        FileId = r.FileId,
        State = r.State,
        Dirty = r.Dirty,
        Flags = (int)r.Flags,
        ObjectKey = r.ObjectKey,
        Generation = r.Generation,
        Checksum = r.Checksum,
        PartSize = r.PartSize,
        Size = r.Size,
        MtimeNs = r.MtimeNs,
        AtimeNs = r.AtimeNs,
        CtimeNs = r.CtimeNs,
        Pair = r.Pair,
        ArchivedAtMs = r.ArchivedAtMs,
        ReleasedAtMs = r.ReleasedAtMs,
        Path = path,
    };
}
