using TierFs.Index;
using TierFs.Posix;

namespace TierFs.Scan;

/// <summary>An index row from what statx says of a node.</summary>
internal static class EntryStat
{
    public static string TypeOf(in StatX st) => (st.Mode & Libc.S_IFMT) switch
    {
        Libc.S_IFREG => EntryRow.TypeFile,
        Libc.S_IFDIR => EntryRow.TypeDir,
        Libc.S_IFLNK => EntryRow.TypeSymlink,
        _ => EntryRow.TypeOther,
    };

    public static FileKey KeyOf(in StatX st) => new(st.Dev, st.Ino);

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

    private static long Ns(StatXTimestamp t) => t.Sec * 1_000_000_000 + t.Nsec;
}
