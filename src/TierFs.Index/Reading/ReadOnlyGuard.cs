using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace TierFs.Index;

/// <summary>
/// Prepares a user's SQL so that only one statement that reads can come out of it, relying on
/// SQLite rather than on keywords: an authorizer allows nothing but SELECT, reading columns,
/// functions (not load_extension) and recursive CTEs while the statement compiles, so INSERT,
/// UPDATE, DELETE, CREATE, DROP, ATTACH, DETACH, PRAGMA, transactions and the like fail to
/// compile; SQLite's own sqlite3_stmt_readonly then vetoes anything else that writes (VACUUM
/// INTO); any further statement in the text is refused. The connections are also query_only.
/// </summary>
internal static class ReadOnlyGuard
{
    private const string Rule = "only one read-only SELECT statement may run";

    private static readonly HashSet<string> DeniedFunctions = new(StringComparer.OrdinalIgnoreCase) { "load_extension", "fts3_tokenizer" };

    // sqlite3.h's authorizer action codes, in order from 1, for the message.
    private static readonly string[] Actions =
    [
        "", "CREATE INDEX", "CREATE TABLE", "CREATE TEMP INDEX", "CREATE TEMP TABLE", "CREATE TEMP TRIGGER",
        "CREATE TEMP VIEW", "CREATE TRIGGER", "CREATE VIEW", "DELETE", "DROP INDEX", "DROP TABLE", "DROP TEMP INDEX",
        "DROP TEMP TABLE", "DROP TEMP TRIGGER", "DROP TEMP VIEW", "DROP TRIGGER", "DROP VIEW", "INSERT", "PRAGMA",
        "READ", "SELECT", "a transaction", "UPDATE", "ATTACH", "DETACH", "ALTER TABLE", "REINDEX", "ANALYZE",
        "CREATE VIRTUAL TABLE", "DROP VIRTUAL TABLE", "FUNCTION", "SAVEPOINT", "RECURSIVE",
    ];

    /// <summary>The prepared statement; throws <see cref="QueryRefusedException"/> or, for bad SQL, <see cref="SqliteException"/>.</summary>
    public static sqlite3_stmt Prepare(sqlite3 db, string sql)
    {
        string? denied = null;
        strdelegate_authorizer authorize = (_, action, arg1, arg2, _, _) =>
        {
            if (Allowed(action, arg2)) return raw.SQLITE_OK;
            denied ??= Describe(action, arg1, arg2);
            return raw.SQLITE_DENY;
        };
        raw.sqlite3_set_authorizer(db, authorize, null);
        sqlite3_stmt? stmt = null;
        try
        {
            var rc = raw.sqlite3_prepare_v2(db, sql, out stmt, out var tail);
            if (rc != raw.SQLITE_OK) throw Failed(db, rc, denied);
            if (stmt is null || stmt.IsInvalid) throw new QueryRefusedException("no statement to run");
            if (HasStatement(db, tail)) throw new QueryRefusedException($"refused: {Rule}; a second statement follows");
            // Statements the authorizer has no action code for (VACUUM INTO) still declare that they write.
            if (raw.sqlite3_stmt_readonly(stmt) == 0) throw new QueryRefusedException($"refused: {Rule}; this one writes");
            return stmt;
        }
        catch
        {
            stmt?.Dispose();
            throw;
        }
        finally
        {
            // Only the user's text is vetted; our own statements (path()'s lookups) compile freely.
            raw.sqlite3_set_authorizer(db, (strdelegate_authorizer?)null!, null);
        }
    }

    private static bool Allowed(int action, string? function) => action switch
    {
        raw.SQLITE_SELECT or raw.SQLITE_READ or raw.SQLITE_RECURSIVE => true,
        raw.SQLITE_FUNCTION => function is not null && !DeniedFunctions.Contains(function),
        _ => false,
    };

    // CREATE, DROP and ANALYZE first ask to change the schema table, and stop at the denial.
    private static bool IsSchemaTable(string? table) =>
        table is "sqlite_master" or "sqlite_temp_master" or "sqlite_schema" or "sqlite_temp_schema";

    private static string Describe(int action, string? arg1, string? arg2)
    {
        var what = action > 0 && action < Actions.Length ? Actions[action] : $"action {action}";
        return action switch
        {
            raw.SQLITE_PRAGMA => $"PRAGMA {arg1}",
            raw.SQLITE_FUNCTION => $"the function {arg2}()",
            raw.SQLITE_INSERT or raw.SQLITE_UPDATE or raw.SQLITE_DELETE when IsSchemaTable(arg1) => "changing the schema (CREATE, DROP...)",
            raw.SQLITE_INSERT or raw.SQLITE_UPDATE or raw.SQLITE_DELETE => $"{what} on {arg1}",
            _ => what,
        };
    }

    private static Exception Failed(sqlite3 db, int rc, string? denied) => denied is not null
        ? new QueryRefusedException($"refused: {Rule}; {denied} is not allowed")
        : new SqliteException(raw.sqlite3_errmsg(db).utf8_to_string(), rc);

    /// <summary>Whether the text after the first statement holds another one (not just spaces, comments or ';').</summary>
    private static bool HasStatement(sqlite3 db, string? tail)
    {
        if (string.IsNullOrWhiteSpace(tail)) return false;
        var rc = raw.sqlite3_prepare_v2(db, tail, out var next, out _);
        using (next)
            return rc != raw.SQLITE_OK || (next is not null && !next.IsInvalid);
    }
}
