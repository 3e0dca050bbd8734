using Microsoft.Data.Sqlite;
using TierFs.Common;

namespace TierFs.Index.Schema;

/// <summary>
/// Recognises the file (empty, ours, another program's, newer than this build) and brings an
/// empty or older index up to <see cref="Migrations.Latest"/> in one transaction.
/// </summary>
internal static class SchemaMigrator
{
    /// <summary>Returns the schema version the file has once migrated.</summary>
    public static int Migrate(SqliteConnection connection, string path)
    {
        // IMMEDIATE: two processes opening one new index must not both create it.
        using var tx = connection.BeginTransaction(deferred: false);
        var (appId, version, objects) = Identify(connection, tx);
        if (appId != Migrations.ApplicationId && (appId != 0 || objects != 0))
            throw new IndexException(
                $"{path} is an SQLite database but not a TierFs index (application_id {appId:x}, {objects} schema objects); move it away or choose another index path");
        if (version > Migrations.Latest)
            throw new IndexException(
                $"{path} has index schema version {version}, newer than this TierFs knows ({Migrations.Latest}); use a newer TierFs or delete the index and rescan");

        foreach (var step in Migrations.All.Where(m => m.Version > version))
        {
            step.Apply(connection, tx);
            Execute(connection, tx, $"PRAGMA user_version = {step.Version}");
        }
        // A first scan loads entries without these and builds them at its end: a process that
        // died in between left them missing.
        foreach (var name in EntryIndexes.CreateMissing(connection, tx))
            Log.Warn("index", $"{path}: rebuilt the missing index {name} (a first scan was interrupted)");
        Execute(connection, tx, $"PRAGMA application_id = {Migrations.ApplicationId}");
        tx.Commit();
        return Migrations.Latest;
    }

    private static (long AppId, long Version, long Objects) Identify(SqliteConnection connection, SqliteTransaction tx) => (
        Scalar(connection, tx, "PRAGMA application_id"),
        Scalar(connection, tx, "PRAGMA user_version"),
        Scalar(connection, tx, "SELECT count(*) FROM sqlite_master"));

    internal static long Scalar(SqliteConnection connection, SqliteTransaction? tx, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar() ?? 0L);
    }

    internal static void Execute(SqliteConnection connection, SqliteTransaction? tx, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
