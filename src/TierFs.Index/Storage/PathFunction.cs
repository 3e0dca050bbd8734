using System.Data;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace TierFs.Index.Storage;

/// <summary>
/// The SQL functions <c>path(id)</c> and <c>path(parent_id, name)</c>: an entry's path relative to
/// the tree's root ("." for the root itself), built from parent ids as GUFI does. Directories' paths
/// are cached per connection, and the cache is dropped whenever the database changed (another
/// connection's commit or this one's own write), so a renamed directory is never shown stale.
/// </summary>
internal sealed class PathFunction
{
    private const int MaxDepth = 4096;
    private const int MaxCached = 200_000;

    private readonly SqliteConnection _connection;
    private readonly Dictionary<long, string> _dirs = [];
    private sqlite3_stmt? _lookup;
    private sqlite3_stmt? _dataVersion;
    private (long DataVersion, long Changes) _cachedAt = (-1, -1);

    private PathFunction(SqliteConnection connection) => _connection = connection;

    /// <param name="mountPoint">When given, also <c>abspath(id)</c> and <c>abspath(parent_id, name)</c>: the path on that mount.</param>
    public static void Register(SqliteConnection connection, string? mountPoint = null)
    {
        var function = new PathFunction(connection);
        // NULL in, NULL out (an outer join's missing row), as SQLite's own functions do.
        connection.CreateFunction<long?, string?>("path", id => id is { } i ? function.OfId(i) : null, isDeterministic: false);
        connection.CreateFunction<long?, string?, string?>("path", (parent, name) => parent is { } p && name is not null ? function.Of(p, name) : null, isDeterministic: false);
        if (mountPoint is not null)
        {
            connection.CreateFunction<long?, string?>("abspath", id => id is { } i ? Under(mountPoint, function.OfId(i)) : null, isDeterministic: false);
            connection.CreateFunction<long?, string?, string?>("abspath", (parent, name) => parent is { } p && name is not null ? Under(mountPoint, function.Of(p, name)) : null, isDeterministic: false);
        }
        // Our raw statement must be finalized, or closing leaves the file open (a zombie connection).
        connection.StateChange += (_, e) =>
        {
            if (e.CurrentState != ConnectionState.Closed) return;
            function._lookup?.Dispose();
            function._dataVersion?.Dispose();
            function._lookup = function._dataVersion = null;
            function._dirs.Clear();
        };
    }

    private static string? Under(string mountPoint, string? relative) => relative switch
    {
        null => null,
        "." => mountPoint,
        _ => mountPoint == "/" ? "/" + relative : mountPoint + "/" + relative,
    };

    private string? OfId(long id)
    {
        if (id == EntryRow.RootId) return ".";
        var row = Lookup(id);
        return row is null ? null : Of(row.Value.Parent, row.Value.Name);
    }

    private string? Of(long parentId, string name)
    {
        if (parentId == 0) return ".";
        if (parentId < 0) return null; // parked by a scan in progress
        var parent = DirPath(parentId, 0);
        if (parent is null) return null;
        return parent == "." ? name : string.Concat(parent, "/", name);
    }

    private string? DirPath(long id, int depth)
    {
        if (id == EntryRow.RootId) return ".";
        Revalidate();
        if (_dirs.TryGetValue(id, out var cached)) return cached;
        if (depth > MaxDepth) return null; // a cycle: a damaged index
        var row = Lookup(id);
        if (row is null || row.Value.Parent <= 0) return null;
        var parent = DirPath(row.Value.Parent, depth + 1);
        if (parent is null) return null;
        var path = parent == "." ? row.Value.Name : string.Concat(parent, "/", row.Value.Name);
        if (_dirs.Count >= MaxCached) _dirs.Clear();
        _dirs[id] = path;
        return path;
    }

    /// <summary>Drops the cache if anything was written since it was filled.</summary>
    private void Revalidate()
    {
        var db = _connection.Handle!;
        // data_version moves on others' commits, total_changes on this connection's own writes.
        _dataVersion ??= Prepare("PRAGMA data_version");
        long version = 0;
        if (raw.sqlite3_step(_dataVersion) == raw.SQLITE_ROW) version = raw.sqlite3_column_int64(_dataVersion, 0);
        raw.sqlite3_reset(_dataVersion);
        var now = (version, (long)raw.sqlite3_total_changes(db));
        if (now == _cachedAt) return;
        _dirs.Clear();
        _cachedAt = now;
    }

    private (long Parent, string Name)? Lookup(long id)
    {
        _lookup ??= Prepare("SELECT parent_id, name FROM entries WHERE id = ?");
        try
        {
            raw.sqlite3_bind_int64(_lookup, 1, id);
            if (raw.sqlite3_step(_lookup) != raw.SQLITE_ROW) return null;
            return (raw.sqlite3_column_int64(_lookup, 0), raw.sqlite3_column_text(_lookup, 1).utf8_to_string());
        }
        finally
        {
            raw.sqlite3_reset(_lookup);
        }
    }

    private sqlite3_stmt Prepare(string sql)
    {
        var rc = raw.sqlite3_prepare_v2(_connection.Handle!, sql, out var stmt);
        if (rc != raw.SQLITE_OK) throw new SqliteException($"path(): {raw.sqlite3_errmsg(_connection.Handle!).utf8_to_string()}", rc);
        return stmt;
    }
}
