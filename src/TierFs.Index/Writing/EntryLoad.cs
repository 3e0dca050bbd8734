using Microsoft.Data.Sqlite;
using TierFs.Common;
using TierFs.Index.Schema;

namespace TierFs.Index.Writing;

/// <summary>
/// A bulk load of the empty entries table (a first scan; see <see cref="TierIndex.BeginEntryLoad"/>):
/// its secondary indexes are dropped and built again at the end, one sort each instead of a B-tree
/// insert per row into each, and the writer connection is set up for the load meanwhile.
/// </summary>
internal sealed class EntryLoad : IDisposable
{
    /// <summary>
    /// The page cache while loading, and the sorter's memory for the builds, which spill beyond it
    /// to temporary files (KiB). Measured: 8 MiB costs less CPU than the default 2 MiB; 32 MiB with
    /// in-memory temporary files was no faster, and its 1M-entry scans peaked at up to 276 MB.
    /// </summary>
    private const int CacheKib = 8 * 1024;

    private readonly BatchWriter _writer;
    private readonly Func<SqliteConnection> _openSide;
    private readonly long _autoCheckpoint;
    private readonly long _cacheSize;
    private int _ended;

    private EntryLoad(BatchWriter writer, Func<SqliteConnection> openSide, SqliteConnection connection)
    {
        _writer = writer;
        _openSide = openSide;
        _autoCheckpoint = SchemaMigrator.Scalar(connection, null, "PRAGMA wal_autocheckpoint");
        _cacheSize = SchemaMigrator.Scalar(connection, null, "PRAGMA cache_size");
    }

    /// <summary>Starts a load if the entries table is empty; null (nothing changed) if it has rows.</summary>
    public static EntryLoad? Begin(BatchWriter writer, Func<SqliteConnection> openSide)
    {
        EntryLoad? load = null;
        writer.Run(connection =>
        {
            var settings = new EntryLoad(writer, openSide, connection);
            using (var tx = connection.BeginTransaction(deferred: false))
            {
                if (SchemaMigrator.Scalar(connection, tx, "SELECT EXISTS (SELECT 1 FROM entries)") != 0) return;
                EntryIndexes.Drop(connection, tx);
                tx.Commit();
            }
            load = settings;
            // A checkpoint in mid-load copies pages the load is still filling; one at the end copies each once.
            Pragma(connection, "wal_autocheckpoint = 0");
            Pragma(connection, $"cache_size = {-CacheKib}");
        });
        return load;
    }

    /// <summary>
    /// Builds the indexes (in one transaction) and puts the page cache back. The loaded rows are
    /// copied into the file meanwhile, on another connection; what the builds wrote, and the
    /// automatic checkpoints after it, wait until the writer is idle: the index is whole and
    /// readable from the WAL meanwhile, and the caller (a scan finishing) does not wait for that copy.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0) return;
        // While the writer builds the indexes on one core, the loaded rows are copied into the
        // file on another (a checkpoint never blocks the writer): less is left for the idle one.
        var copy = Task.Run(CopyLoadedRows);
        try
        {
            _writer.Run(connection =>
            {
                try
                {
                    using var tx = connection.BeginTransaction(deferred: false);
                    EntryIndexes.CreateMissing(connection, tx);
                    tx.Commit();
                }
                finally
                {
                    Pragma(connection, $"cache_size = {_cacheSize}");
                }
            });
        }
        finally
        {
            copy.GetAwaiter().GetResult();
            try
            {
                _writer.WhenIdle(connection =>
                {
                    Pragma(connection, "wal_checkpoint(PASSIVE)");
                    Pragma(connection, $"wal_autocheckpoint = {_autoCheckpoint}");
                });
            }
            catch (ObjectDisposedException)
            {
                // The index is closed: closing its last connection checkpointed it.
            }
        }
    }

    private void CopyLoadedRows()
    {
        try
        {
            using var side = _openSide();
            Pragma(side, "wal_checkpoint(PASSIVE)");
        }
        catch (SqliteException e)
        {
            Log.Warn("index", $"copying a first scan's rows into the index file: {e.Message}; the checkpoint when idle copies them");
        }
        catch (ObjectDisposedException)
        {
            // The index is closed: closing its last connection checkpointed it.
        }
    }

    private static void Pragma(SqliteConnection connection, string pragma) =>
        SchemaMigrator.Execute(connection, null, "PRAGMA " + pragma);
}
