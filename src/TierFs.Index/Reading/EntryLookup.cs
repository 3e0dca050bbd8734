using Microsoft.Data.Sqlite;
using TierFs.Index.Storage;
using TierFs.Records;

namespace TierFs.Index.Reading;

/// <summary>
/// Point lookups of committed entries on a reader connection of its own, for one thread that
/// keeps the namespace current between scans (the mount's live updates): the row at a place, the
/// rows of an inode, a row's path, the record id of an inode's tier row. Not thread-safe.
/// </summary>
public sealed class EntryLookup : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly EntryQueries _queries;
    private readonly RawStatement _at;
    private readonly SqliteCommand _path;
    private readonly RawStatement _recordId;
    private readonly RawStatement _linkedBelow;

    internal EntryLookup(SqliteConnection connection)
    {
        _connection = connection;
        _queries = new EntryQueries(connection);
        _at = new RawStatement(connection, $"SELECT {EntryColumns.SelectList} FROM entries WHERE parent_id = ?1 AND name = ?2");
        _path = connection.Prepare("SELECT path($id)", ("$id", SqliteType.Integer));
        _recordId = new RawStatement(connection, "SELECT file_id FROM tier WHERE dev = ?1 AND ino = ?2");
        _linkedBelow = new RawStatement(connection,
            "WITH RECURSIVE tree(id) AS (SELECT ?1 UNION ALL SELECT e.id FROM entries e JOIN tree ON e.parent_id = tree.id) " +
            $"SELECT DISTINCT e.dev, e.ino FROM tree JOIN entries e USING (id) WHERE e.nlink > 1 AND e.type <> '{EntryRow.TypeDir}'");
    }

    /// <summary>The row named <paramref name="name"/> in the directory <paramref name="parentId"/>.</summary>
    public EntryRow? At(long parentId, string name)
    {
        _at.Bind(0, parentId);
        _at.Bind(1, name);
        try
        {
            return _at.Next() ? EntryColumns.Read(_at) : null;
        }
        finally
        {
            _at.Reset();
        }
    }

    public EntryRow? Get(long id) => _queries.Get(id);

    /// <summary>A directory's rows.</summary>
    public List<EntryRow> Children(long parentId) => _queries.Children(parentId);

    /// <summary>Every row of an inode (several for hard links; parked rows included).</summary>
    public List<EntryRow> Of(FileKey key) => _queries.ByKey(key);

    /// <summary>The row's path from the root ("." for the root), or null if it has none.</summary>
    public string? PathOf(long id)
    {
        _path.Parameters[0].Value = id;
        return _path.ExecuteScalar() as string;
    }

    /// <summary>The file id of the inode's tier row; null when it has none.</summary>
    public string? RecordIdOf(FileKey key)
    {
        _recordId.Bind(0, Db.Key(key.Dev));
        _recordId.Bind(1, Db.Key(key.Ino));
        try
        {
            return _recordId.Next() ? _recordId.Text(0) : null;
        }
        finally
        {
            _recordId.Reset();
        }
    }

    /// <summary>The inodes with more than one link among the row <paramref name="id"/> and the rows below it.</summary>
    public List<FileKey> LinkedFilesBelow(long id)
    {
        var keys = new List<FileKey>();
        _linkedBelow.Bind(0, id);
        try
        {
            while (_linkedBelow.Next()) keys.Add(new FileKey(Db.Key(_linkedBelow.Long(0)), Db.Key(_linkedBelow.Long(1))));
        }
        finally
        {
            _linkedBelow.Reset();
        }
        return keys;
    }

    public void Dispose()
    {
        _at.Dispose();
        _linkedBelow.Dispose();
        _recordId.Dispose();
        _path.Dispose();
        _queries.Dispose();
        _connection.Dispose();
    }
}
