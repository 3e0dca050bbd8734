using Microsoft.Data.Sqlite;
using TierFs.Common;
using TierFs.Index.Reading;
using TierFs.Index.Schema;
using TierFs.Index.Storage;
using TierFs.Index.Writing;
using TierFs.Records;

namespace TierFs.Index;

/// <summary>
/// The local metadata index: a cache of the files' tier records, the remote objects waiting to be
/// deleted, and the operation log. Thread-safe.
/// <para>
/// Writes are queued and committed in batches by one background writer, so a write method returns
/// before its change is visible: a read right after a write sees it only after <see cref="Flush"/>.
/// Reads see what has been committed.
/// </para>
/// </summary>
public sealed partial class TierIndex : IDisposable
{
    private const string Source = "index";

    private readonly BatchWriter _writer;
    private readonly FileUsers _users;
    private readonly ReadPool _readers;
    private readonly SqliteConnection _writerConnection;
    private readonly IndexOptions _options;
    private readonly Lock _disposeLock = new();
    private bool _disposed;

    private TierIndex(string path, int schemaVersion, SqliteConnection writerConnection, IndexOptions options)
    {
        Path = path;
        SchemaVersion = schemaVersion;
        _writerConnection = writerConnection;
        _options = options;
        _writer = new BatchWriter(writerConnection, options, path);
        _users = new FileUsers(path);
        _readers = new ReadPool(path, options.BusyTimeout, _users);
        _lastEntryId = _readers.Use(s => s.Entries.Stats().MaxId);
    }

    /// <summary>The schema version this build creates and reads.</summary>
    public static int CurrentSchemaVersion => Migrations.Latest;

    public string Path { get; }

    /// <summary>The file's schema version (PRAGMA user_version) once opened.</summary>
    public int SchemaVersion { get; }

    /// <summary>Transactions the writer committed: tests check that writes are batched.</summary>
    internal long CommittedTransactions => _writer.Transactions;
    internal long CommittedWrites => _writer.Committed;
    /// <summary>See <see cref="BatchWriter.WhenIdle"/> (tests queue their own).</summary>
    internal void WhenIdle(Action<Microsoft.Data.Sqlite.SqliteConnection> action) => _writer.WhenIdle(action);

    /// <summary>
    /// Opens the index at <paramref name="dbPath"/>, creating its directory and schema if needed and
    /// migrating an older schema. A file that is not a TierFs index throws an <see cref="IndexException"/>
    /// naming it; such a file is never changed.
    /// </summary>
    public static TierIndex Open(string dbPath, IndexOptions? options = null)
    {
        options ??= new IndexOptions();
        var path = System.IO.Path.GetFullPath(dbPath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);

        SqliteConnection? connection = null;
        try
        {
            connection = IndexConnection.Open(path, options.BusyTimeout, readOnly: false);
            var version = SchemaMigrator.Migrate(connection, path);
            var mode = IndexConnection.UseWal(connection);
            if (!mode.Equals("wal", StringComparison.OrdinalIgnoreCase))
                Log.Warn(Source, $"{path}: the filesystem does not allow WAL (journal mode {mode}); readers will wait for writers");
            Log.Debug(Source, $"opened {path} (schema {version})");
            var index = new TierIndex(path, version, connection, options);
            index.AdoptUnnamedLog();
            return index;
        }
        catch (SqliteException e)
        {
            connection?.Dispose();
            throw new IndexException($"cannot open the index {path}: {e.Message} (not an SQLite database, damaged, or not accessible); delete it and rescan to rebuild it", e);
        }
        catch
        {
            connection?.Dispose();
            throw;
        }
    }

    // ---- tier records ----

    public TierRow? Get(FileKey key) => _readers.Use(s => s.Get(key));

    /// <summary>Sets the whole row of the row's inode.</summary>
    public void Upsert(TierRow row)
    {
        CheckRow(row);
        _writer.Enqueue(new UpsertTier(row));
    }

    private static void CheckRow(TierRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentException.ThrowIfNullOrEmpty(row.Record.FileId, nameof(row));
        if (!StubRecord.IsKnownState(row.Record.State))
            throw new ArgumentException($"unknown tier state '{row.Record.State}' for {row.Key}", nameof(row));
    }

    public void Remove(FileKey key) => _writer.Enqueue(new RemoveTier(key));

    /// <summary>
    /// Removes the inode's row if it still holds the record <paramref name="fileId"/>, one its file was
    /// found not to hold; a row written meanwhile (the engine's, of the file's record now) stays.
    /// </summary>
    public void RemoveRecord(FileKey key, string fileId)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileId);
        _writer.Enqueue(new RemoveTierRecord(key, fileId));
    }

    /// <summary>Records (or with null clears) the pair name of an inode that has a row; no row, no change.</summary>
    public void SetPair(FileKey key, string? pair) => _writer.Enqueue(new SetPair(key, pair));

    /// <summary>Every row in a state: the mount loads the stubs (released, lost) when it starts.</summary>
    public IReadOnlyList<TierRow> LoadByState(string state)
    {
        if (!StubRecord.IsKnownState(state)) throw new ArgumentException($"unknown tier state '{state}'", nameof(state));
        return _readers.Use(s => s.LoadByState(state));
    }

    // ---- remote objects to delete ----

    /// <summary>Queues the deletion of a remote object once <paramref name="dueMs"/> (unix ms) has passed.</summary>
    public void EnqueueDelete(string objectKey, long dueMs, string reason, string? fileId, string? remote = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(objectKey);
        ArgumentNullException.ThrowIfNull(reason);
        _writer.Enqueue(new EnqueueDelete(objectKey, dueMs, reason, fileId, remote));
    }

    /// <summary>
    /// The deletions due at <paramref name="nowMs"/>, earliest first, at most <paramref name="limit"/>;
    /// with <paramref name="remote"/>, only those on that remote tier (or on none recorded).
    /// </summary>
    public IReadOnlyList<PendingDelete> DueDeletes(long nowMs, int limit, string? remote = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return limit == 0 ? [] : _readers.Use(s => s.DueDeletes(nowMs, limit, remote));
    }

    /// <summary>
    /// A tier record that references <paramref name="objectKey"/> (an archive or a stub of it), or null:
    /// a remote object any record refers to is never deleted. <paramref name="fileId"/>, the id of the
    /// file the object was queued for, finds it by index (a copy of a record keeps its id); without
    /// it (deletions queued by older versions) every row is looked at.
    /// </summary>
    public TierRow? ReferenceTo(string objectKey, string? fileId) => _readers.Use(s => s.ReferenceTo(objectKey, fileId));

    /// <summary>The remote tiers other than <paramref name="remote"/> that tier records (archives and stubs) name, with how many each.</summary>
    public IReadOnlyList<(string Remote, long Count)> ForeignRemotes(string remote) => _readers.Use(s => s.ForeignRemotes(remote));

    /// <summary>The object is gone (or no longer to be deleted): forget it.</summary>
    public void CompleteDelete(string objectKey) => _writer.Enqueue(new CompleteDelete(objectKey));

    /// <summary>A deletion failed: try again at <paramref name="dueMs"/>, counting the attempt.</summary>
    public void RescheduleDelete(string objectKey, long dueMs, string? error) =>
        _writer.Enqueue(new RescheduleDelete(objectKey, dueMs, error));

    public long CountPendingDeletes() => _readers.Use(s => s.CountPendingDeletes());

    // ---- lifetime ----

    /// <summary>
    /// Waits until every write queued before the call is committed. Throws <see cref="IndexException"/>
    /// if a write since the previous flush could not be committed (it was logged and dropped).
    /// </summary>
    public void Flush() => _writer.Flush();

    /// <summary><see cref="Flush"/> without holding a thread while the commit is under way.</summary>
    public Task FlushAsync() => _writer.FlushAsync();

    /// <summary>
    /// Commits everything queued, then closes the file. Returns only once none of the index's
    /// connections can touch the file again: it waits for the queries under way and for the
    /// lookups and cuts handed out (<see cref="OpenEntryLookup"/>, <see cref="BeginSyncCut"/>) to
    /// be disposed, and refuses new ones. A second call, also a concurrent one, returns when the first has.
    /// </summary>
    public void Dispose()
    {
        lock (_disposeLock)
        {
            if (_disposed) return;
            _users.CloseAndWait(); // first: a query under way may still flush through the writer
            _writer.Dispose();
            _readers.Dispose();
            _writerConnection.Dispose();
            _disposed = true;
        }
    }

    /// <summary>A connection of its own (a reader's, or a writable one beside the writer), counted until disposed.</summary>
    private SqliteConnection OpenOwnConnection(bool readOnly, TimeSpan? busyTimeout = null) =>
        _users.Open(() => IndexConnection.Open(Path, busyTimeout ?? _options.BusyTimeout, readOnly));
}
