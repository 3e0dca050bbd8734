using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using System.Text;
using SQLitePCL;

namespace TierFs.Index.Storage;

/// <summary>
/// A statement prepared once on a connection and run through SQLite's own API: parameters bound by
/// position and columns read by position, with no boxing and no name lookup per call. For the
/// scanner's hot statements, run hundreds of thousands of times per scan; it runs in whatever
/// transaction its connection has open. Binds and column reads go straight to SQLite where they
/// can (<see cref="SqliteDirect"/>).
/// </summary>
internal sealed unsafe class RawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _stmt;
    /// <summary>The statement's pointer for the direct calls; valid while <see cref="_stmt"/> is open.</summary>
    private readonly nint _handle;
    private readonly bool _direct = SqliteDirect.Available;

    public RawStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("the connection is not open");
        Check(raw.sqlite3_prepare_v2(_db, sql, out _stmt));
        _handle = _stmt.DangerousGetHandle();
    }

    /// <summary>Parameters and columns are numbered from 0 here, as columns are by SQLite (parameters start at 1 there).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // per entry of a scan: optimized from its first call (see ScanRun)
    public void Bind(int index, long value) =>
        Check(_direct ? SqliteDirect.BindInt64(_handle, index + 1, value) : raw.sqlite3_bind_int64(_stmt, index + 1, value));

    /// <summary>Text as UTF-8 encoded on the stack (SQLite copies it): no allocation for the usual short name.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // per entry of a scan: optimized from its first call (see ScanRun)
    public void Bind(int index, string? value)
    {
        if (value is null)
        {
            Check(_direct ? SqliteDirect.BindNull(_handle, index + 1) : raw.sqlite3_bind_null(_stmt, index + 1));
            return;
        }
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        Span<byte> utf8 = max <= 1024 ? stackalloc byte[max] : new byte[max];
        var length = Encoding.UTF8.GetBytes(value, utf8);
        if (!_direct)
        {
            Check(raw.sqlite3_bind_text(_stmt, index + 1, utf8[..length]));
            return;
        }
        fixed (byte* text = utf8) Check(SqliteDirect.BindText(_handle, index + 1, text, length, SqliteDirect.Transient));
    }

    /// <summary>Runs a statement that returns no rows, and resets it for the next binding.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // per entry of a scan: optimized from its first call (see ScanRun)
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // per entry of a scan: optimized from its first call (see ScanRun)
    public long Long(int column) => _direct ? SqliteDirect.ColumnInt64(_handle, column) : raw.sqlite3_column_int64(_stmt, column);

    public bool IsNull(int column) =>
        (_direct ? SqliteDirect.ColumnType(_handle, column) : raw.sqlite3_column_type(_stmt, column)) == raw.SQLITE_NULL;

    /// <summary>A column's bytes as stored (text is UTF-8, no terminator), valid until the next step or reset.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // per entry of a scan: optimized from its first call (see ScanRun)
    public ReadOnlySpan<byte> Bytes(int column)
    {
        if (!_direct) return raw.sqlite3_column_blob(_stmt, column);
        var bytes = SqliteDirect.ColumnBlob(_handle, column);
        return new ReadOnlySpan<byte>(bytes, SqliteDirect.ColumnBytes(_handle, column));
    }

    public string? Text(int column) => IsNull(column) ? null : Encoding.UTF8.GetString(Bytes(column));

    public void Dispose() => _stmt.Dispose();

    private void Check(int rc)
    {
        if (rc == raw.SQLITE_OK) return;
        throw new SqliteException(raw.sqlite3_errmsg(_db).utf8_to_string(), rc, raw.sqlite3_extended_errcode(_db));
    }
}
