using Microsoft.Data.Sqlite;
using TierFs.Index.Storage;

namespace TierFs.Index.Reading;

/// <summary>The daemon's job history and retry book, read on a reader connection.</summary>
internal static class JobQueries
{
    public const string JobColumns = "id, run, kind, policy, action, started, finished, planned, files, bytes, skipped, failed, status, owner";

    public static List<JobRow> Recent(SqliteConnection c, int n) =>
        Read(c, $"SELECT {JobColumns} FROM (SELECT * FROM jobs ORDER BY id DESC LIMIT $1) ORDER BY id", ReadJob, n);

    public static List<RetryRow> Retries(SqliteConnection c) =>
        Read(c, "SELECT file, mtime, attempts, next_try, last_error FROM retries",
            r => new RetryRow(r.GetString(0), r.GetInt64(1), r.GetInt32(2), r.GetInt64(3), Db.Text(r, 4)));

    public static List<ClaimRow> Claims(SqliteConnection c) => Read(c, "SELECT file, job, owner, expires FROM claims ORDER BY file", ReadClaim);

    /// <summary>A claim from the columns file, job, owner, expires.</summary>
    public static ClaimRow ReadClaim(SqliteDataReader r) => new(r.GetString(0), r.GetInt64(1), r.GetString(2), r.GetInt64(3));

    /// <summary>A job from <see cref="JobColumns"/>.</summary>
    public static JobRow ReadJob(SqliteDataReader r) => new()
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
        Owner = Db.Text(r, 13),
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
