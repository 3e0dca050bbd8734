using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace TierFs.Index;

/// <summary>
/// One read-only query, stepped a row at a time so a result of any size streams. Values are
/// plain: long, double, string, byte[] or null. Dispose it to end the read transaction.
/// </summary>
public sealed class QueryCursor : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _stmt;
    private readonly QueryLimits? _limits;
    private readonly QueryClock? _clock;
    private bool _done;

    private QueryCursor(sqlite3 db, sqlite3_stmt stmt, QueryLimits? limits, QueryClock? clock)
    {
        _db = db;
        _stmt = stmt;
        _limits = limits;
        _clock = clock;
        Columns = Enumerable.Range(0, raw.sqlite3_column_count(stmt))
            .Select(i => raw.sqlite3_column_name(stmt, i).utf8_to_string()).ToArray();
    }

    public IReadOnlyList<string> Columns { get; }

    /// <summary>Prepares <paramref name="sql"/> under <see cref="ReadOnlyGuard"/>: refused unless it is one statement that only reads.</summary>
    internal static QueryCursor Open(SqliteConnection connection, string sql, QueryLimits? limits = null)
    {
        var db = connection.Handle!;
        var clock = limits?.Apply(db);
        try
        {
            return new QueryCursor(db, ReadOnlyGuard.Prepare(db, sql), limits, clock);
        }
        catch (SqliteException e) when (clock is not null && limits!.Explain(e.SqliteErrorCode & 0xFF, clock) is { } why)
        {
            throw new QueryLimitException(why, e.SqliteErrorCode);
        }
    }

    /// <summary>Moves to the next row; false at the end. An SQL error while running throws <see cref="SqliteException"/>.</summary>
    public bool Read()
    {
        if (_done) return false;
        _clock?.Enter();
        var rc = raw.sqlite3_step(_stmt);
        _clock?.Leave();
        if (rc == raw.SQLITE_ROW) return true;
        _done = true;
        if (rc == raw.SQLITE_DONE) return false;
        if (_limits?.Explain(rc & 0xFF, _clock!) is { } why) throw new QueryLimitException(why, rc);
        throw new SqliteException(raw.sqlite3_errmsg(_db).utf8_to_string(), rc);
    }

    /// <summary>The current row's value in column <paramref name="i"/>.</summary>
    public object? Value(int i) => raw.sqlite3_column_type(_stmt, i) switch
    {
        raw.SQLITE_INTEGER => raw.sqlite3_column_int64(_stmt, i),
        raw.SQLITE_FLOAT => raw.sqlite3_column_double(_stmt, i),
        raw.SQLITE_TEXT => raw.sqlite3_column_text(_stmt, i).utf8_to_string(),
        raw.SQLITE_BLOB => raw.sqlite3_column_blob(_stmt, i).ToArray(),
        _ => null,
    };

    /// <summary>The current row, a fresh array.</summary>
    public object?[] Values()
    {
        var row = new object?[Columns.Count];
        for (var i = 0; i < row.Length; i++) row[i] = Value(i);
        return row;
    }

    /// <summary>The rest of the result, at most <paramref name="maxRows"/> rows, held in memory.</summary>
    public QueryResult Collect(int maxRows)
    {
        var rows = new List<object?[]>();
        while (rows.Count < maxRows && Read()) rows.Add(Values());
        return new QueryResult(Columns, rows);
    }

    public void Dispose()
    {
        _stmt.Dispose();
        if (_clock is not null) raw.sqlite3_progress_handler(_db, 0, null, null);
    }
}
