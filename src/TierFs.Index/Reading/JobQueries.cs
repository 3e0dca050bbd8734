using Microsoft.Data.Sqlite;
using TierFs.Index.Storage;
using TierFs.Records;

namespace TierFs.Index.Reading;

/// <summary>The daemon's job history and retry book, read on a reader connection.</summary>
internal static class JobQueries
{
    private const string JobColumns = "id, run, kind, policy, action, started, finished, planned, files, bytes, skipped, failed, status";

    public static List<JobRow> Recent(SqliteConnection c, int n) =>
        Read(c, $"SELECT {JobColumns} FROM (SELECT * FROM jobs ORDER BY id DESC LIMIT $1) ORDER BY id", ReadJob, n);

    public static long MaxJobId(SqliteConnection c) =>
        Read(c, "SELECT coalesce(max(id), 0) FROM jobs", r => r.GetInt64(0)).Single();

    public static long MaxRun(SqliteConnection c) =>
        Read(c, "SELECT coalesce(max(run), 0) FROM jobs", r => r.GetInt64(0)).Single();

    public static List<RetryRow> Retries(SqliteConnection c) =>
        Read(c, "SELECT dev, ino, mtime, attempts, next_try, last_error FROM retries",
            r => new RetryRow(new FileKey(Db.Key(r.GetInt64(0)), Db.Key(r.GetInt64(1))), r.GetInt64(2), r.GetInt32(3), r.GetInt64(4), Db.Text(r, 5)));

    private static JobRow ReadJob(SqliteDataReader r) => new()
    {
        Id = r.GetInt64(0),
        Run = r.GetInt64(1),
        Kind = r.GetString(2),
        Policy = Db.Text(r, 3),
        Action = r.GetString(4),
        StartedMs = r.GetInt64(5),
        FinishedMs = r.GetInt64(6),
        Planned = r.GetInt64(7),
        Files = r.GetInt64(8),
        Bytes = r.GetInt64(9),
        Skipped = r.GetInt64(10),
        Failed = r.GetInt64(11),
        Status = r.GetString(12),
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
