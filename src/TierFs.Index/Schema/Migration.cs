using Microsoft.Data.Sqlite;

namespace TierFs.Index.Schema;

/// <summary>
/// One step of the schema: run inside the migrating transaction to go from <c>Version - 1</c>
/// to <see cref="Version"/>. Most steps are plain DDL; a step that must compute (a backfill)
/// supplies its own <see cref="Apply"/>.
/// </summary>
internal sealed record Migration(int Version, string Description, Action<SqliteConnection, SqliteTransaction> Apply)
{
    public static Migration Sql(int version, string description, string sql) =>
        new(version, description, (connection, tx) =>
        {
            using var command = connection.CreateCommand();
            command.Transaction = tx;
            command.CommandText = sql;
            command.ExecuteNonQuery();
        });
}
