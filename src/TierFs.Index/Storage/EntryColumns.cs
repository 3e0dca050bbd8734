using Microsoft.Data.Sqlite;

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
        $"INSERT INTO entries ({SelectList}) VALUES ({string.Join(", ", Names.Select(n => "$" + n))}) " +
        $"ON CONFLICT (id) DO UPDATE SET {string.Join(", ", Names.Skip(1).Select(n => $"{n} = excluded.{n}"))}";

    public static SqliteParameter[] AddParameters(SqliteCommand command) =>
        Names.Select(n => command.Parameters.Add("$" + n, n is "name" or "type" or "target" ? SqliteType.Text : SqliteType.Integer)).ToArray();

    public static void Bind(SqliteParameter[] p, EntryRow row)
    {
        p[0].Value = row.Id;
        p[1].Value = row.ParentId;
        p[2].Value = row.Name;
        p[3].Value = row.Type;
        p[4].Value = Db.Key(row.Key.Dev);
        p[5].Value = Db.Key(row.Key.Ino);
        p[6].Value = row.Nlink;
        p[7].Value = row.Mode;
        p[8].Value = row.Uid;
        p[9].Value = row.Gid;
        p[10].Value = row.Size;
        p[11].Value = row.Blocks;
        p[12].Value = row.AtimeNs;
        p[13].Value = row.MtimeNs;
        p[14].Value = row.CtimeNs;
        p[15].Value = Db.Text(row.Target);
        p[16].Value = row.Scan;
    }

    /// <summary>Reads a row selected with <see cref="SelectList"/>.</summary>
    public static EntryRow Read(SqliteDataReader r) => new()
    {
        Id = r.GetInt64(0),
        ParentId = r.GetInt64(1),
        Name = r.GetString(2),
        Type = r.GetString(3),
        Key = new FileKey(Db.Key(r.GetInt64(4)), Db.Key(r.GetInt64(5))),
        Nlink = r.GetInt64(6),
        Mode = r.GetInt64(7),
        Uid = r.GetInt64(8),
        Gid = r.GetInt64(9),
        Size = r.GetInt64(10),
        Blocks = r.GetInt64(11),
        AtimeNs = r.GetInt64(12),
        MtimeNs = r.GetInt64(13),
        CtimeNs = r.GetInt64(14),
        Target = Db.Text(r, 15),
        Scan = r.GetInt64(16),
    };
}
