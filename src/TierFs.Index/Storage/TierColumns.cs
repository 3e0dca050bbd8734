using Microsoft.Data.Sqlite;

namespace TierFs.Index.Storage;

/// <summary>The tier table's columns in one order, shared by the statement that writes a row and the ones that read it.</summary>
internal static class TierColumns
{
    private static readonly string[] Names =
    [
        "dev", "ino", "file_id", "state", "dirty", "flags", "object_key", "generation", "checksum",
        "part_size", "size", "mtime_ns", "atime_ns", "ctime_ns", "pair", "archived_at", "released_at",
        "recalled_at", "path", "remote", "etag", "recalling", "crc32c", "blake3",
    ];

    public static readonly string SelectList = string.Join(", ", Names);

    /// <summary>
    /// Insert or replace the whole row for its inode; a row written without a path keeps the one
    /// known (a recall on open names none, and the write that named it may not be committed yet).
    /// </summary>
    public static readonly string UpsertSql =
        $"INSERT INTO tier ({SelectList}) VALUES ({string.Join(", ", Names.Select(n => "$" + n))}) " +
        $"ON CONFLICT (dev, ino) DO UPDATE SET {string.Join(", ", Names.Skip(2).Select(n => n == "path" ? "path = coalesce(excluded.path, tier.path)" : $"{n} = excluded.{n}"))}";

    public static SqliteParameter[] AddParameters(SqliteCommand command) =>
        Names.Select(n => command.Parameters.Add("$" + n, TypeOf(n))).ToArray();

    public static void Bind(SqliteParameter[] p, TierRow row)
    {
        p[0].Value = Db.Key(row.Key.Dev);
        p[1].Value = Db.Key(row.Key.Ino);
        p[2].Value = row.FileId;
        p[3].Value = row.State;
        p[4].Value = row.Dirty ? 1L : 0L;
        p[5].Value = (long)row.Flags;
        p[6].Value = Db.Text(row.ObjectKey);
        p[7].Value = (long)row.Generation;
        p[8].Value = Db.Text(row.Checksum);
        p[9].Value = row.PartSize;
        p[10].Value = row.Size;
        p[11].Value = row.MtimeNs;
        p[12].Value = row.AtimeNs;
        p[13].Value = row.CtimeNs;
        p[14].Value = Db.Text(row.Pair);
        p[15].Value = row.ArchivedAtMs;
        p[16].Value = row.ReleasedAtMs;
        p[17].Value = row.RecalledAtMs;
        p[18].Value = Db.Text(row.Path);
        p[19].Value = Db.Text(row.Remote);
        p[20].Value = Db.Text(row.ETag);
        p[21].Value = row.Recalling ? 1L : 0L;
        p[22].Value = Db.Text(row.Crc32C);
        p[23].Value = Db.Text(row.Blake3);
    }

    /// <summary>Reads a row selected with <see cref="SelectList"/>.</summary>
    public static TierRow Read(SqliteDataReader r) => new()
    {
        Key = new FileKey(Db.Key(r.GetInt64(0)), Db.Key(r.GetInt64(1))),
        FileId = r.GetString(2),
        State = r.GetString(3),
        Dirty = r.GetInt64(4) != 0,
        Flags = r.GetInt32(5),
        ObjectKey = Db.Text(r, 6),
        Generation = r.GetInt32(7),
        Checksum = Db.Text(r, 8),
        PartSize = r.GetInt64(9),
        Size = r.GetInt64(10),
        MtimeNs = r.GetInt64(11),
        AtimeNs = r.GetInt64(12),
        CtimeNs = r.GetInt64(13),
        Pair = Db.Text(r, 14),
        ArchivedAtMs = r.GetInt64(15),
        ReleasedAtMs = r.GetInt64(16),
        RecalledAtMs = r.GetInt64(17),
        Path = Db.Text(r, 18),
        Remote = Db.Text(r, 19),
        ETag = Db.Text(r, 20),
        Recalling = r.GetInt64(21) != 0,
        Crc32C = Db.Text(r, 22),
        Blake3 = Db.Text(r, 23),
    };

    private static SqliteType TypeOf(string name) =>
        name is "file_id" or "state" or "object_key" or "checksum" or "pair" or "path" or "remote" or "etag" or "crc32c" or "blake3" ? SqliteType.Text : SqliteType.Integer;
}
