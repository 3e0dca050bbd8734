using System.Runtime.CompilerServices;
using TierFs.Records;
namespace TierFs.Index.Storage;

/// <summary>The entries table's columns in one order, shared by the statement that writes a row and the ones that read it.</summary>
internal static class EntryColumns
{
    private static readonly string[] Names =
    [
        "id", "parent_id", "name", "type", "dev", "ino", "nlink", "mode", "uid", "gid",
        "size", "blocks", "atime", "mtime", "ctime", "target", "scan",
    ];

    public static readonly string SelectList = string.Join(", ", Names);

    /// <summary>Insert, or replace the whole row of its id: a new, changed or moved entry is one statement.</summary>
    public static readonly string UpsertSql =
        $"INSERT INTO entries ({SelectList}) VALUES ({string.Join(", ", Names.Select((_, i) => "?" + (i + 1)))}) " +
        $"ON CONFLICT (id) DO UPDATE SET {string.Join(", ", Names.Skip(1).Select(n => $"{n} = excluded.{n}"))}";

    /// <summary>Binds a row to <see cref="UpsertSql"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // per entry of a scan: optimized from its first call (see ScanRun)
    public static void Bind(RawStatement s, EntryRow row)
    {
        s.Bind(0, row.Id);
        s.Bind(1, row.ParentId);
        s.Bind(2, row.Name);
        s.Bind(3, row.Type);
        s.Bind(4, Db.Key(row.Key.Dev));
        s.Bind(5, Db.Key(row.Key.Ino));
        s.Bind(6, row.Nlink);
        s.Bind(7, row.Mode);
        s.Bind(8, row.Uid);
        s.Bind(9, row.Gid);
        s.Bind(10, row.Size);
        s.Bind(11, row.Blocks);
        s.Bind(12, row.AtimeNs);
        s.Bind(13, row.MtimeNs);
        s.Bind(14, row.CtimeNs);
        s.Bind(15, row.Target);
        s.Bind(16, row.Scan);
    }

    /// <summary>Reads the current row of a statement selecting <see cref="SelectList"/>.</summary>
    public static EntryRow Read(RawStatement s) => new()
    {
        Id = s.Long(0),
        ParentId = s.Long(1),
        Name = s.Text(2)!,
        Type = TypeOf(s.Text(3)!),
        Key = new FileKey(Db.Key(s.Long(4)), Db.Key(s.Long(5))),
        Nlink = s.Long(6),
        Mode = s.Long(7),
        Uid = s.Long(8),
        Gid = s.Long(9),
        Size = s.Long(10),
        Blocks = s.Long(11),
        AtimeNs = s.Long(12),
        MtimeNs = s.Long(13),
        CtimeNs = s.Long(14),
        Target = s.Text(15),
        Scan = s.Long(16),
    };

    /// <summary>
    /// The columns of <see cref="EntryStamp"/>, and the name, in the order <see cref="ReadStamp"/>
    /// reads them. Every column read is a call into SQLite (each taking the connection's lock), for
    /// every entry of a rescan: two pairs of 32-bit values come packed in one column each, and the
    /// type is not read, it follows from the mode's type bits as it did when the row was written.
    /// </summary>
    public const string StampSelectList = "id, dev, ino, (nlink << 32) | mode, (uid << 32) | gid, size, blocks, atime, mtime, ctime, name";

    /// <summary>The column of <see cref="StampSelectList"/> holding the name.</summary>
    public const int StampName = 10;

    /// <summary>Reads the current row of a statement selecting <see cref="StampSelectList"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // per entry of a scan: optimized from its first call (see ScanRun)
    public static EntryStamp ReadStamp(RawStatement s)
    {
        var nlinkMode = (ulong)s.Long(3);
        var uidGid = (ulong)s.Long(4);
        var mode = (long)(nlinkMode & uint.MaxValue);
        return new EntryStamp(
            s.Long(0), EntryRow.TypeOfMode(mode), new FileKey(Db.Key(s.Long(1)), Db.Key(s.Long(2))),
            (long)(nlinkMode >> 32), mode, (long)(uidGid >> 32), (long)(uidGid & uint.MaxValue),
            s.Long(5), s.Long(6), s.Long(7), s.Long(8), s.Long(9));
    }

    /// <summary>The interned type constant: one string for every row rather than one per row read.</summary>
    private static string TypeOf(string type) => type switch
    {
        EntryRow.TypeFile => EntryRow.TypeFile,
        EntryRow.TypeDir => EntryRow.TypeDir,
        EntryRow.TypeSymlink => EntryRow.TypeSymlink,
        EntryRow.TypeOther => EntryRow.TypeOther,
        _ => type,
    };
}
