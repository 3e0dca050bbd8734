using Microsoft.Data.Sqlite;

namespace TierFs.Index.Storage;

/// <summary>
/// <c>now()</c>, <c>days(n)</c>, <c>hours(n)</c>: the time columns (atime, mtime, ctime) are unix ns,
/// so a policy can say <c>atime &lt; now() - days(30)</c>. Declared deterministic so SQLite computes
/// such a bound once per statement, not once per row (and can use an index on the column): now()
/// is therefore the time the statement started, constant while it runs.
/// </summary>
internal static class TimeFunctions
{
    private const long NsPerHour = 3_600_000_000_000;

    public static void Register(SqliteConnection connection)
    {
        connection.CreateFunction("now", () => NowNs(), isDeterministic: true);
        connection.CreateFunction<double, long>("days", n => checked((long)(n * 24 * NsPerHour)), isDeterministic: true);
        connection.CreateFunction<double, long>("hours", n => checked((long)(n * NsPerHour)), isDeterministic: true);
    }

    public static long NowNs() => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
}
