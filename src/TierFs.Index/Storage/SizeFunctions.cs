using Microsoft.Data.Sqlite;

namespace TierFs.Index.Storage;

/// <summary>
/// <c>kib(n)</c>, <c>mib(n)</c>, <c>gib(n)</c>, <c>tib(n)</c>: binary sizes in bytes, so a policy can
/// say <c>size &gt;= mib(1)</c> instead of <c>size &gt;= 1048576</c>. Deterministic, like the time
/// functions: SQLite computes the bound once and can still use the size index.
/// </summary>
internal static class SizeFunctions
{
    public static void Register(SqliteConnection connection)
    {
        foreach (var (name, shift) in new[] { ("kib", 10), ("mib", 20), ("gib", 30), ("tib", 40) })
        {
            var unit = 1L << shift;
            connection.CreateFunction<double, long>(name, n => checked((long)(n * unit)), isDeterministic: true);
        }
    }
}
