using Microsoft.Data.Sqlite;

namespace TierFs.Index.Storage;

/// <summary>Conversions between C# values and what SQLite stores.</summary>
internal static class Db
{
    /// <summary>SQLite integers are signed 64-bit: a dev or inode number above 2^63 is stored as its bit pattern.</summary>
    public static long Key(ulong value) => unchecked((long)value);

    public static ulong Key(long value) => unchecked((ulong)value);

    public static object Text(string? value) => value is null ? DBNull.Value : value;

    public static string? Text(SqliteDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);
}
