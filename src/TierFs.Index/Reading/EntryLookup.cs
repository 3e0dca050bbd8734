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

    internal EntryLookup(SqliteConnection connection)
    {
        _connection = connection;
        _queries = new EntryQueries(connection);
        _at = new RawStatement(connection, $"SELECT {EntryColumns.SelectList} FROM entries WHERE parent_id = ?1 AND name = ?2");
        _path = connection.Prepare("SELECT path($id)", ("$id", SqliteType.Integer));
        _recordId = new RawStatement(connection, "SELECT file_id FROM tier WHERE dev = ?1 AND ino = ?2");
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

    public void Dispose()
    {
        _at.Dispose();
        _recordId.Dispose();
        _path.Dispose();
        _queries.Dispose();
        _connection.Dispose();
    }
}
