using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace TierFs.Index;

/// <summary>
/// A query that is not one read-only statement (a write, ATTACH, PRAGMA, a second statement...):
/// refused before it ran. An <see cref="SqliteException"/> (SQLITE_AUTH), so code that handles
/// SQL errors handles it too.
/// </summary>
public sealed class QueryRefusedException(string message) : SqliteException(message, raw.SQLITE_AUTH);
