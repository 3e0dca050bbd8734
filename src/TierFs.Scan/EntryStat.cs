using System.Runtime.CompilerServices;
using TierFs.Index;
using TierFs.Posix;
using TierFs.Records;

namespace TierFs.Scan;

/// <summary>An index row from what statx says of a node.</summary>
internal static class EntryStat
{
    public static string TypeOf(in StatX st) => EntryRow.TypeOfMode(st.Mode);

    public static FileKey KeyOf(in StatX st) => new(st.Dev, st.Ino);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // per entry of a scan: optimized from its first call (see ScanRun)
    public static EntryRow Row(long id, long parentId, string name, in StatX st, string? target, long scan) => new()
    {
        Id = id,
        ParentId = parentId,
        Name = name,
        Type = TypeOf(st),
        Key = KeyOf(st),
        Nlink = st.Nlink,
        Mode = st.Mode,
        Uid = st.Uid,
        Gid = st.Gid,
        Size = (long)st.Size,
        Blocks = (long)st.Blocks,
        AtimeNs = Ns(st.Atime),
        MtimeNs = Ns(st.Mtime),
        CtimeNs = Ns(st.Ctime),
        Target = target,
        Scan = scan,
    };

    /// <summary>
    /// The row holds what statx says now: nothing to write. Compares what <see cref="Row"/> would
    /// build, without building it; place (parent, name), target and scan are not compared.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // per entry of a scan: optimized from its first call (see ScanRun)
    public static bool Same(in EntryStamp row, in StatX st) =>
        row.Type == TypeOf(st) && row.Key == KeyOf(st) && row.Nlink == st.Nlink && row.Mode == st.Mode &&
        row.Uid == st.Uid && row.Gid == st.Gid && row.Size == (long)st.Size && row.Blocks == (long)st.Blocks &&
        row.AtimeNs == Ns(st.Atime) && row.MtimeNs == Ns(st.Mtime) && row.CtimeNs == Ns(st.Ctime);

    private static long Ns(StatXTimestamp t) => t.Sec * 1_000_000_000 + t.Nsec;
}
