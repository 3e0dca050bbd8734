using System.Globalization;
using Microsoft.Data.Sqlite;

namespace TierFs.Index.Storage;

/// <summary>Opens connections to the index file with the settings every connection needs.</summary>
internal static class IndexConnection
{
    /// <summary>
    /// Our own pooling (one writer, a few readers) replaces the provider's: with it off, closing
    /// the index really closes the file, so it can be deleted or reopened at once.
    /// </summary>
    public static SqliteConnection Open(string path, TimeSpan busyTimeout, bool readOnly)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            // The provider retries a busy statement on its own until this many seconds (default 30)
            // on top of SQLite's busy_timeout: keep the two in step.
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(busyTimeout.TotalSeconds)),
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            Pragma(connection, $"busy_timeout = {(long)busyTimeout.TotalMilliseconds}");
            // WAL makes a commit a sequential append; NORMAL syncs at checkpoints only. A power
            // loss may drop the last commits, which is fine for a cache the tree can rebuild.
            Pragma(connection, "synchronous = NORMAL");
            // Readers open read-write (a read-only connection cannot create the WAL's shared
            // memory file) but refuse writes, so every write goes through the batching writer.
            if (readOnly) Pragma(connection, "query_only = ON");
            // Takes effect only on a new file (before its first table): 16 KiB pages split less
            // often under a scan's bulk inserts (measured: about 15% less writer time than 4 KiB).
            else
            {
                Pragma(connection, "page_size = 16384");
                // A batch's statements each keep a statement journal (to undo that statement alone):
                // in memory, not in a temp file made, written and deleted for every batch.
                Pragma(connection, "temp_store = MEMORY");
            }
            // The files view needs it, and so does every query a user writes against entries.
            PathFunction.Register(connection);
            TimeFunctions.Register(connection);
            SizeFunctions.Register(connection);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Switches the file to WAL (a persistent setting); returns the mode in force.</summary>
    public static string UseWal(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode = WAL";
        return Convert.ToString(command.ExecuteScalar(), CultureInfo.InvariantCulture) ?? "";
    }

    private static void Pragma(SqliteConnection connection, string pragma)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA " + pragma;
        command.ExecuteNonQuery();
    }
}
