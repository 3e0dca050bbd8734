using Microsoft.Data.Sqlite;

namespace TierFs.Index.Storage;

internal static class PreparedCommand
{
    /// <summary>A statement prepared once with its typed parameters, to be re-bound per use.</summary>
    public static SqliteCommand Prepare(this SqliteConnection connection, string sql, params (string Name, SqliteType Type)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, type) in parameters) command.Parameters.Add(name, type);
        command.Prepare();
        return command;
    }
}
