using Microsoft.Data.Sqlite;
using TierFs.Index.Storage;

namespace TierFs.Index.Reading;

/// <summary>The namespace queries of one reader connection (see <see cref="ReadSession"/>), prepared once.</summary>
internal sealed class EntryQueries : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _children;
    private readonly SqliteCommand _get;
    private readonly SqliteCommand _byKey;
    private readonly SqliteCommand _countTree;
    private readonly SqliteCommand _stats;

    public EntryQueries(SqliteConnection connection)
    {
        _connection = connection;
        _children = Create($"SELECT {EntryColumns.SelectList} FROM entries WHERE parent_id = $p", ("$p", SqliteType.Integer));
        _get = Create($"SELECT {EntryColumns.SelectList} FROM entries WHERE id = $id", ("$id", SqliteType.Integer));
        _byKey = Create($"SELECT {EntryColumns.SelectList} FROM entries WHERE dev = $dev AND ino = $ino",
            ("$dev", SqliteType.Integer), ("$ino", SqliteType.Integer));
        _countTree = Create(
            "WITH RECURSIVE tree(id) AS (SELECT $id UNION ALL SELECT e.id FROM entries e JOIN tree ON e.parent_id = tree.id) " +
            "SELECT count(*) FROM tree JOIN entries USING (id)", ("$id", SqliteType.Integer));
        _stats = Create("SELECT (SELECT coalesce(max(id), 0) FROM entries), (SELECT count(*) FROM entries), " +
                        "(SELECT coalesce(max(gen), 0) FROM scans), (SELECT count(*) FROM tier)");
    }

    public List<EntryRow> Children(long parentId)
    {
        _children.Parameters[0].Value = parentId;
        return ReadAll(_children);
    }

    public EntryRow? Get(long id)
    {
        _get.Parameters[0].Value = id;
        using var r = _get.ExecuteReader();
        return r.Read() ? EntryColumns.Read(r) : null;
    }

    public List<EntryRow> ByKey(FileKey key)
    {
        _byKey.Parameters[0].Value = Db.Key(key.Dev);
        _byKey.Parameters[1].Value = Db.Key(key.Ino);
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

    /// <summary>Any query: the connection is query_only, so a write fails here, never reaches the file.</summary>
    public QueryResult Query(string sql, int maxRows)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        using var r = command.ExecuteReader();
        var columns = Enumerable.Range(0, r.FieldCount).Select(r.GetName).ToArray();
        var rows = new List<object?[]>();
        while (rows.Count < maxRows && r.Read())
        {
            var row = new object?[r.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = r.IsDBNull(i) ? null : r.GetValue(i);
            rows.Add(row);
        }
        return new QueryResult(columns, rows);
    }

    public void Dispose()
    {
        foreach (var command in new[] { _children, _get, _byKey, _countTree, _stats }) command.Dispose();
    }

    private static List<EntryRow> ReadAll(SqliteCommand command)
    {
        using var r = command.ExecuteReader();
        var rows = new List<EntryRow>();
        while (r.Read()) rows.Add(EntryColumns.Read(r));
        return rows;
    }

    private SqliteCommand Create(string sql, params (string Name, SqliteType Type)[] parameters) =>
        _connection.Prepare(sql, parameters);
}
