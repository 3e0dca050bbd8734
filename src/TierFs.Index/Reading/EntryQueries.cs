using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using TierFs.Index.Storage;
using TierFs.Records;

namespace TierFs.Index.Reading;

/// <summary>The namespace queries of one reader connection (see <see cref="ReadSession"/>), prepared once.</summary>
internal sealed class EntryQueries : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly RawStatement _children;
    private readonly RawStatement _childStamps;
    private readonly RawStatement _get;
    private readonly RawStatement _byKey;
    private readonly SqliteCommand _countTree;
    private readonly SqliteCommand _stats;

    public EntryQueries(SqliteConnection connection)
    {
        _connection = connection;
        // The scanner reads every directory's rows on a rescan: these run through SQLite's own API.
        _children = new RawStatement(connection, $"SELECT {EntryColumns.SelectList} FROM entries WHERE parent_id = ?1");
        _childStamps = new RawStatement(connection, $"SELECT {EntryColumns.StampSelectList} FROM entries WHERE parent_id = ?1");
        _get = new RawStatement(connection, $"SELECT {EntryColumns.SelectList} FROM entries WHERE id = ?1");
        _byKey = new RawStatement(connection, $"SELECT {EntryColumns.SelectList} FROM entries WHERE dev = ?1 AND ino = ?2");
        _countTree = Create(
            "WITH RECURSIVE tree(id) AS (SELECT $id UNION ALL SELECT e.id FROM entries e JOIN tree ON e.parent_id = tree.id) " +
            "SELECT count(*) FROM tree JOIN entries USING (id)", ("$id", SqliteType.Integer));
        _stats = Create("SELECT (SELECT coalesce(max(id), 0) FROM entries), (SELECT count(*) FROM entries), " +
                        "(SELECT coalesce(max(gen), 0) FROM scans), (SELECT count(*) FROM tier)");
    }

    public List<EntryRow> Children(long parentId)
    {
        _children.Bind(0, parentId);
        return ReadAll(_children);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // per entry of a scan: optimized from its first call (see ScanRun)
    public void ChildStamps(long parentId, ChildStampVisitor visit)
    {
        _childStamps.Bind(0, parentId);
        try
        {
            while (_childStamps.Next()) visit(EntryColumns.ReadStamp(_childStamps), _childStamps.Bytes(EntryColumns.StampName));
        }
        finally
        {
            _childStamps.Reset();
        }
    }

    public EntryRow? Get(long id)
    {
        _get.Bind(0, id);
        return ReadAll(_get).FirstOrDefault();
    }

    public List<EntryRow> ByKey(FileKey key)
    {
        _byKey.Bind(0, Db.Key(key.Dev));
        _byKey.Bind(1, Db.Key(key.Ino));
        return ReadAll(_byKey);
    }

    public long CountTree(long id)
    {
        _countTree.Parameters[0].Value = id;
        return (long)_countTree.ExecuteScalar()!;
    }

    public EntryStats Stats()
    {
        using var r = _stats.ExecuteReader();
        r.Read();
        return new EntryStats(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3));
    }

    /// <summary>One read-only statement (see <see cref="ReadOnlyGuard"/>), its first <paramref name="maxRows"/> rows.</summary>
    public QueryResult Query(string sql, int maxRows)
    {
        using var cursor = QueryCursor.Open(_connection, sql);
        return cursor.Collect(maxRows);
    }

    public void Dispose()
    {
        foreach (var statement in new[] { _children, _childStamps, _get, _byKey }) statement.Dispose();
        foreach (var command in new[] { _countTree, _stats }) command.Dispose();
    }

    private static List<EntryRow> ReadAll(RawStatement statement)
    {
        var rows = new List<EntryRow>();
        try
        {
            while (statement.Next()) rows.Add(EntryColumns.Read(statement));
        }
        finally
        {
            statement.Reset();
        }
        return rows;
    }

    private SqliteCommand Create(string sql, params (string Name, SqliteType Type)[] parameters) =>
        _connection.Prepare(sql, parameters);
}
