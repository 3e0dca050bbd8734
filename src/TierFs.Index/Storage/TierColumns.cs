using Microsoft.Data.Sqlite;
using TierFs.Records;

namespace TierFs.Index.Storage;

/// <summary>
/// The tier table's columns: every field of a <see cref="StubRecord"/> (but its format version),
/// then what the index adds (the path hint, the last recall), in one order shared by the statement
/// that writes a row and the ones that read it. A test holds this list to the record's fields, so
/// a field added to the record without its column fails the build's tests.
/// </summary>
internal static class TierColumns
{
    private sealed record Column(string Name, SqliteType Type, Func<TierRow, object> Value);

    private static readonly Column[] All =
    [
        new("dev", SqliteType.Integer, r => Db.Key(r.Key.Dev)),
        new("ino", SqliteType.Integer, r => Db.Key(r.Key.Ino)),
        new("file_id", SqliteType.Text, r => r.Record.FileId),
        new("state", SqliteType.Text, r => r.Record.State),
        new("dirty", SqliteType.Integer, r => r.Record.Dirty ? 1L : 0L),
        new("flags", SqliteType.Integer, r => (long)r.Record.Flags),
        new("object_key", SqliteType.Text, r => Db.Text(r.Record.ObjectKey)),
        new("generation", SqliteType.Integer, r => (long)r.Record.Generation),
        new("checksum", SqliteType.Text, r => Db.Text(r.Record.Checksum)),
        new("part_size", SqliteType.Integer, r => r.Record.PartSize),
        new("size", SqliteType.Integer, r => r.Record.Size),
        new("mtime_ns", SqliteType.Integer, r => r.Record.MtimeNs),
        new("atime_ns", SqliteType.Integer, r => r.Record.AtimeNs),
        new("ctime_ns", SqliteType.Integer, r => r.Record.CtimeNs),
        new("pair", SqliteType.Text, r => Db.Text(r.Record.Pair)),
        new("archived_at", SqliteType.Integer, r => r.Record.ArchivedAtMs),
        new("released_at", SqliteType.Integer, r => r.Record.ReleasedAtMs),
        new("recalled_at", SqliteType.Integer, r => r.RecalledAtMs),
        new("path", SqliteType.Text, r => Db.Text(r.Path)),
        new("remote", SqliteType.Text, r => Db.Text(r.Record.Remote)),
        new("etag", SqliteType.Text, r => Db.Text(r.Record.ETag)),
        new("recalling", SqliteType.Integer, r => r.Record.Recalling ? 1L : 0L),
        new("crc32c", SqliteType.Text, r => Db.Text(r.Record.Crc32C)),
        new("blake3", SqliteType.Text, r => Db.Text(r.Record.Blake3)),
    ];

    /// <summary>The column names, in order (what a test compares with the record's fields).</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(c => c.Name)];

    public static readonly string SelectList = string.Join(", ", Names);

    /// <summary>The columns of the table under <paramref name="alias"/> (a join), in the same order.</summary>
    public static string SelectListOf(string alias) => string.Join(", ", Names.Select(n => $"{alias}.{n}"));

    /// <summary>
    /// Insert or replace the whole row for its inode; a row written without a path keeps the one
    /// known (a recall on open names none, and the write that named it may not be committed yet).
    /// </summary>
    public static readonly string UpsertSql =
        $"INSERT INTO tier ({SelectList}) VALUES ({string.Join(", ", Names.Select(n => "$" + n))}) " +
        $"ON CONFLICT (dev, ino) DO UPDATE SET {string.Join(", ", Names.Skip(2).Select(n => n == "path" ? "path = coalesce(excluded.path, tier.path)" : $"{n} = excluded.{n}"))}";

    public static SqliteParameter[] AddParameters(SqliteCommand command) =>
        All.Select(c => command.Parameters.Add("$" + c.Name, c.Type)).ToArray();

    public static void Bind(SqliteParameter[] p, TierRow row)
    {
        for (var i = 0; i < All.Length; i++) p[i].Value = All[i].Value(row);
    }

    /// <summary>Reads a row selected with <see cref="SelectList"/> (the positions are <see cref="All"/>'s), from column <paramref name="at"/> on.</summary>
    public static TierRow Read(SqliteDataReader r, int at = 0) => new()
    {
        Key = new FileKey(Db.Key(r.GetInt64(at + 0)), Db.Key(r.GetInt64(at + 1))),
        Record = new StubRecord
        {
            FileId = r.GetString(at + 2),
            State = r.GetString(at + 3),
            Dirty = r.GetInt64(at + 4) != 0,
            Flags = (TierFlags)r.GetInt32(at + 5),
            ObjectKey = Db.Text(r, at + 6),
            Generation = r.GetInt32(at + 7),
            Checksum = Db.Text(r, at + 8),
            PartSize = r.GetInt64(at + 9),
            Size = r.GetInt64(at + 10),
            MtimeNs = r.GetInt64(at + 11),
            AtimeNs = r.GetInt64(at + 12),
            CtimeNs = r.GetInt64(at + 13),
            Pair = Db.Text(r, at + 14),
            ArchivedAtMs = r.GetInt64(at + 15),
            ReleasedAtMs = r.GetInt64(at + 16),
            Remote = Db.Text(r, at + 19),
            ETag = Db.Text(r, at + 20),
            Recalling = r.GetInt64(at + 21) != 0,
            Crc32C = Db.Text(r, at + 22),
            Blake3 = Db.Text(r, at + 23),
        },
        RecalledAtMs = r.GetInt64(at + 17),
        Path = Db.Text(r, at + 18),
    };
}
