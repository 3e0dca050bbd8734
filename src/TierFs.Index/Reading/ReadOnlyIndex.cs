using Microsoft.Data.Sqlite;
using TierFs.Index.Schema;
using TierFs.Index.Storage;

namespace TierFs.Index;

/// <summary>
/// The index opened read-only from another process than the mount's (tierfs query, report) while
/// the mount writes to it: the file is opened SQLITE_OPEN_READONLY and query_only, never migrated;
/// in WAL mode a reader neither blocks the writer nor waits for it. Each query reads one snapshot.
/// A query running for long keeps the writer from checkpointing past it (the WAL grows until it ends).
/// </summary>
public sealed class ReadOnlyIndex : IDisposable
{
    private readonly SqliteConnection _connection;

    private ReadOnlyIndex(string path, SqliteConnection connection, int schemaVersion)
    {
        Path = path;
        _connection = connection;
        SchemaVersion = schemaVersion;
    }

    public string Path { get; }

    public int SchemaVersion { get; }

    /// <summary>
    /// Opens the index at <paramref name="dbPath"/>. A missing file, or one that is not a TierFs
    /// index with the namespace (schema 2 or later, not newer than this build), throws an
    /// <see cref="IndexException"/> naming it.
    /// </summary>
    /// <param name="mountPoint">The mount the index belongs to: queries get <c>abspath(id)</c>, an entry's path on it.</param>
    public static ReadOnlyIndex Open(string dbPath, TimeSpan? busyTimeout = null, string? mountPoint = null)
    {
        var path = System.IO.Path.GetFullPath(dbPath);
        if (!File.Exists(path)) throw new IndexException($"there is no index at {path} yet");
        var timeout = busyTimeout ?? new IndexOptions().BusyTimeout;
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds)),
        }.ToString());
        try
        {
            connection.Open();
            Pragma(connection, $"busy_timeout = {(long)timeout.TotalMilliseconds}");
            Pragma(connection, "query_only = ON");
            PathFunction.Register(connection, mountPoint?.TrimEnd('/') is { Length: 0 } ? "/" : mountPoint?.TrimEnd('/'));
            TimeFunctions.Register(connection);
            SizeFunctions.Register(connection);
            var version = CheckSchema(connection, path);
            return new ReadOnlyIndex(path, connection, version);
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new IndexException($"cannot read the index {path}: {e.Message}", e);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Starts <paramref name="sql"/>, which must be one statement that only reads (else
    /// <see cref="QueryRefusedException"/>); path() and the files view are available. With
    /// <paramref name="limits"/>, running into one throws <see cref="QueryLimitException"/>.
    /// </summary>
    public QueryCursor Query(string sql, QueryLimits? limits = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        return QueryCursor.Open(_connection, sql, limits);
    }

    public void Dispose() => _connection.Dispose();

    private static int CheckSchema(SqliteConnection connection, string path)
    {
        var appId = SchemaMigrator.Scalar(connection, null, "PRAGMA application_id");
        var version = (int)SchemaMigrator.Scalar(connection, null, "PRAGMA user_version");
        if (appId != Migrations.ApplicationId)
            throw new IndexException($"{path} is not a TierFs index (application_id {appId:x})");
        if (version < 2)
            throw new IndexException($"{path} has index schema version {version}, without the namespace; mount it with this TierFs to upgrade it");
        if (version > Migrations.Latest)
            throw new IndexException($"{path} has index schema version {version}, newer than this TierFs knows ({Migrations.Latest}); use a newer TierFs");
        return version;
    }

    private static void Pragma(SqliteConnection connection, string pragma)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA " + pragma;
        command.ExecuteNonQuery();
    }
}
