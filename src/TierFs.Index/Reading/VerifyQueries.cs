using Microsoft.Data.Sqlite;
using TierFs.Index.Storage;

namespace TierFs.Index.Reading;

/// <summary>Verify runs, their differences, alarms, and the object keys a verify compares the remote listing with.</summary>
internal static class VerifyQueries
{
    private const string RunColumns = "id, started, finished, level, trigger, scope, repair, files, objects, bytes, missing, size_differs, " +
                                      "checksum_differs, orphans, record_index, foreign_records, errors, repaired, status, message";
    private const string AlarmColumns = "id, raised, source, run, message, acked, acked_by";

    public static List<VerifyRunRow> RecentRuns(SqliteConnection c, int n) =>
        Read(c, $"SELECT {RunColumns} FROM (SELECT * FROM verify_runs ORDER BY id DESC LIMIT $1) ORDER BY id", ReadRun, n);

    public static VerifyRunRow? LastRun(SqliteConnection c, string status) =>
        Read(c, $"SELECT {RunColumns} FROM verify_runs WHERE status = $1 ORDER BY id DESC LIMIT 1", ReadRun, status).SingleOrDefault();

    public static List<VerifyDiffRow> Diffs(SqliteConnection c, long run, int limit) =>
        Read(c, "SELECT run, seq, kind, path, object_key, detail, repair FROM verify_diffs WHERE run = $1 ORDER BY seq LIMIT $2",
            r => new VerifyDiffRow(r.GetInt64(0), r.GetInt64(1), r.GetString(2), Db.Text(r, 3), Db.Text(r, 4), r.GetString(5), Db.Text(r, 6)), run, limit);

    public static List<AlarmRow> Alarms(SqliteConnection c, bool openOnly, int limit) =>
        Read(c, $"SELECT {AlarmColumns} FROM alarms {(openOnly ? "WHERE acked = 0" : "")} ORDER BY id LIMIT $1", ReadAlarm, limit);

    public static AlarmRow? Alarm(SqliteConnection c, long id) =>
        Read(c, $"SELECT {AlarmColumns} FROM alarms WHERE id = $1", ReadAlarm, id).SingleOrDefault();

    public static long MaxId(SqliteConnection c, string table) =>
        Read(c, $"SELECT coalesce(max(id), 0) FROM {table}", r => r.GetInt64(0)).Single();

    /// <summary>Every object key a tier record (an archive or a stub) references: what the remote tier should hold.</summary>
    public static HashSet<string> ReferencedKeys(SqliteConnection c) =>
        [.. Read(c, "SELECT object_key FROM tier WHERE object_key IS NOT NULL AND state <> 'none'", r => r.GetString(0))];

    /// <summary>Every object key queued for deletion (on any remote): not an orphan, it goes already.</summary>
    public static HashSet<string> PendingDeleteKeys(SqliteConnection c) =>
        [.. Read(c, "SELECT object_key FROM pending_deletes", r => r.GetString(0))];

    private static VerifyRunRow ReadRun(SqliteDataReader r) => new()
    {
        Id = r.GetInt64(0),
        StartedMs = r.GetInt64(1),
        FinishedMs = r.GetInt64(2),
        Level = r.GetString(3),
        Trigger = r.GetString(4),
        Scope = Db.Text(r, 5),
        Repair = r.GetInt64(6) != 0,
        Files = r.GetInt64(7),
        Objects = r.GetInt64(8),
        Bytes = r.GetInt64(9),
        Missing = r.GetInt64(10),
        SizeDiffers = r.GetInt64(11),
        ChecksumDiffers = r.GetInt64(12),
        Orphans = r.GetInt64(13),
        RecordIndex = r.GetInt64(14),
        Foreign = r.GetInt64(15),
        Errors = r.GetInt64(16),
        Repaired = r.GetInt64(17),
        Status = r.GetString(18),
        Message = Db.Text(r, 19),
    };

    private static AlarmRow ReadAlarm(SqliteDataReader r) => new()
    {
        Id = r.GetInt64(0),
        RaisedMs = r.GetInt64(1),
        Source = r.GetString(2),
        Run = r.IsDBNull(3) ? null : r.GetInt64(3),
        Message = r.GetString(4),
        AckedMs = r.GetInt64(5),
        AckedBy = Db.Text(r, 6),
    };

    private static List<T> Read<T>(SqliteConnection c, string sql, Func<SqliteDataReader, T> row, params object[] args)
    {
        using var command = c.CreateCommand();
        command.CommandText = sql;
        for (var i = 0; i < args.Length; i++) command.Parameters.AddWithValue($"${i + 1}", args[i]);
        using var r = command.ExecuteReader();
        var rows = new List<T>();
        while (r.Read()) rows.Add(row(r));
        return rows;
    }
}
