using Microsoft.Data.Sqlite;
using TierFs.Common;

namespace TierFs.Index.Schema;

/// <summary>
/// The secondary indexes of the entries table, exactly as <see cref="Migrations"/> create them: a
/// first scan loads the table without them and builds each with one sort at the end, instead of a
/// B-tree insert per row into each. Their SQL is read from a schema the migrations built in
/// memory, so the migrations stay the one source of it.
/// </summary>
internal static class EntryIndexes
{
    private static readonly Lazy<IReadOnlyList<(string Name, string Sql)>> Expected = new(Read);

    /// <summary>Drops them all (in the caller's transaction).</summary>
    public static void Drop(SqliteConnection connection, SqliteTransaction? tx)
    {
        foreach (var (name, _) in Expected.Value) SchemaMigrator.Execute(connection, tx, $"DROP INDEX IF EXISTS {name}");
    }

    /// <summary>
    /// Creates those missing (in the caller's transaction); returns their names. A unique index
    /// that two rows contradict (a directory listing changing under a first scan can show a name
    /// twice) keeps the first row of each name: the next scan corrects the rest.
    /// </summary>
    public static IReadOnlyList<string> CreateMissing(SqliteConnection connection, SqliteTransaction? tx)
    {
        var present = Present(connection, tx);
        var created = new List<string>();
        foreach (var (name, sql) in Expected.Value.Where(i => !present.Contains(i.Name)))
        {
            try
            {
                SchemaMigrator.Execute(connection, tx, sql);
            }
            catch (SqliteException e) when (e.SqliteExtendedErrorCode == 2067) // SQLITE_CONSTRAINT_UNIQUE
            {
                Log.Warn("index", $"building {name}: {e.Message}; keeping one row per name");
                SchemaMigrator.Execute(connection, tx, "DELETE FROM entries WHERE id NOT IN (SELECT min(id) FROM entries GROUP BY parent_id, name)");
                SchemaMigrator.Execute(connection, tx, sql);
            }
            created.Add(name);
        }
        return created;
    }

    private static HashSet<string> Present(SqliteConnection connection, SqliteTransaction? tx)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'entries'";
        using var r = command.ExecuteReader();
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (r.Read()) names.Add(r.GetString(0));
        return names;
    }

    private static IReadOnlyList<(string, string)> Read()
    {
        using var connection = new SqliteConnection("Data Source=:memory:;Pooling=False"); // closed for good once read
        connection.Open();
        using (var tx = connection.BeginTransaction())
        {
            foreach (var step in Migrations.All) step.Apply(connection, tx);
            tx.Commit();
        }
        using var command = connection.CreateCommand();
        // sql is NULL for the indexes SQLite makes itself (a primary key's, a UNIQUE column's).
        command.CommandText = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'entries' AND sql IS NOT NULL ORDER BY name";
        using var r = command.ExecuteReader();
        var indexes = new List<(string, string)>();
        while (r.Read()) indexes.Add((r.GetString(0), r.GetString(1)));
        return indexes;
    }
}
