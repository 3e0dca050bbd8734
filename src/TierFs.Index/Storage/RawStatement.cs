using Microsoft.Data.Sqlite;
using System.Text;
using SQLitePCL;

namespace TierFs.Index.Storage;

/// <summary>
/// A statement prepared once on a connection and run through SQLite's own API: parameters bound by
/// position and columns read by position, with no boxing and no name lookup per call. For the
/// scanner's hot statements, run hundreds of thousands of times per scan; it runs in whatever
/// transaction its connection has open.
/// </summary>
internal sealed class RawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _stmt;

    public RawStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("the connection is not open");
        Check(raw.sqlite3_prepare_v2(_db, sql, out _stmt));
    }

    /// <summary>Parameters and columns are numbered from 0 here, as columns are by SQLite (parameters start at 1 there).</summary>
    public void Bind(int index, long value) => Check(raw.sqlite3_bind_int64(_stmt, index + 1, value));

    /// <summary>Text as UTF-8 encoded on the stack (SQLite copies it): no allocation for the usual short name.</summary>
    public void Bind(int index, string? value)
    {
        if (value is null)
        {
            Check(raw.sqlite3_bind_null(_stmt, index + 1));
            return;
        }
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        Span<byte> utf8 = max <= 1024 ? stackalloc byte[max] : new byte[max];
        var length = Encoding.UTF8.GetBytes(value, utf8);
        Check(raw.sqlite3_bind_text(_stmt, index + 1, utf8[..length]));
    }

    /// <summary>Runs a statement that returns no rows, and resets it for the next binding.</summary>
    public void Execute()
    {
        try
        {
            var rc = raw.sqlite3_step(_stmt);
            if (rc != raw.SQLITE_DONE && rc != raw.SQLITE_ROW) Check(rc);
        }
        finally
        {
            raw.sqlite3_reset(_stmt);
        }
    }

    /// <summary>Steps to the next row; false at the end (call <see cref="Reset"/> after).</summary>
    public bool Next()
    {
        var rc = raw.sqlite3_step(_stmt);
        if (rc == raw.SQLITE_ROW) return true;
        if (rc != raw.SQLITE_DONE) Check(rc);
        return false;
    }

    public void Reset() => raw.sqlite3_reset(_stmt);

    public long Long(int column) => raw.sqlite3_column_int64(_stmt, column);

    public bool IsNull(int column) => raw.sqlite3_column_type(_stmt, column) == raw.SQLITE_NULL;

    /// <summary>A column's bytes as stored (text is UTF-8, no terminator), valid until the next step or reset.</summary>
    public ReadOnlySpan<byte> Bytes(int column) => raw.sqlite3_column_blob(_stmt, column);

    public string? Text(int column) => IsNull(column) ? null : raw.sqlite3_column_text(_stmt, column).utf8_to_string();

    public void Dispose() => _stmt.Dispose();

    private void Check(int rc)
    {
        if (rc == raw.SQLITE_OK) return;
        throw new SqliteException(raw.sqlite3_errmsg(_db).utf8_to_string(), rc, raw.sqlite3_extended_errcode(_db));
    }
}
