using System.CommandLine;
using Microsoft.Data.Sqlite;
using TierFs.Cli.Commands.Query;
using TierFs.Host;
using TierFs.Index;

namespace TierFs.Cli.Commands;

/// <summary>`tierfs query PATH SQL [--format table|csv|json|nul] [-0]`: one read-only statement against the index of the mount holding PATH.</summary>
public static class QueryCommand
{
    public static Command Create()
    {
        var mountPoint = new Argument<string>("MOUNTPOINT") { Description = "A TierFs mountpoint, or any path on a TierFs mount (its mount is queried)." };
        var sql = new Argument<string>("SQL")
        {
            Description = "One SELECT (or WITH ... SELECT) statement. The files view has one row per entry: path (relative to the mount's root), name, " +
                          "type (f d l o), inode, size, blocks, mode, uid, gid, atime, mtime, ctime (ns), state (resident archived dirty released lost), " +
                          "flags, pair, object_key...; abspath(id) gives an entry's absolute path on the mount, path(id) its path below the root; " +
                          "now(), days(n), hours(n) (ns) and kib(n), mib(n), gib(n), tib(n) (bytes) as in policies. " +
                          "Tables: entries, tier, pending_deletes, oplog, scans, jobs, retries, recalls.",
        };
        var format = EnumOption.Create("--format",
            "table (aligned columns, the default), csv (RFC 4180 quoting), json (an array of objects) or nul (no header, every value " +
            "followed by a NUL byte, for xargs -0).", OutputFormat.Table);
        var nul = new Option<bool>("--null", "-0") { Description = "Same as --format nul: SELECT abspath(id) ... -0 | xargs -0 tierfs recall." };
        var timeout = new Option<double>("--timeout")
        {
            Description = "Seconds SQLite may spend on the query (not counting the writing of rows); 0: no limit. Default 60.",
            DefaultValueFactory = _ => QueryLimits.DefaultTimeout.TotalSeconds,
        };
        var maxMemory = new Option<int>("--max-memory")
        {
            Description = $"MiB of memory SQLite may use for the query (default {QueryLimits.DefaultMaxMemory >> 20}); one value is at most {QueryLimits.DefaultMaxValue >> 20} MiB.",
            DefaultValueFactory = _ => (int)(QueryLimits.DefaultMaxMemory >> 20),
        };
        var cmd = new Command("query",
            "Run SQL against the mount's metadata index, read-only: a write, ATTACH, PRAGMA or a second statement is refused (exit status 2), " +
            "and the mount is never held up. Rows are printed as they are read, so any result size streams; the table format sizes its " +
            "columns on the first 1000 rows. SQL errors, and a query that runs into --timeout or --max-memory: one line, exit status 2. Root only.")
            { mountPoint, sql, format, nul, timeout, maxMemory };
        cmd.SetAction(parse =>
        {
            var chosen = parse.GetValue(format);
            if (parse.GetValue(nul))
            {
                if (parse.GetResult(format) is { Implicit: false } && chosen != OutputFormat.Nul)
                    throw new UsageException($"query: -0 is --format nul, not --format {chosen.ToString().ToLowerInvariant()}");
                chosen = OutputFormat.Nul;
            }
            return Run(parse.GetValue(mountPoint)!, parse.GetValue(sql)!, chosen, Limits(parse.GetValue(timeout), parse.GetValue(maxMemory)));
        });
        return cmd;
    }

    private static QueryLimits Limits(double timeoutSeconds, int maxMemoryMiB)
    {
        if (!(timeoutSeconds >= 0) || timeoutSeconds > TimeSpan.MaxValue.TotalSeconds / 2)
            throw new UsageException("query: --timeout must be a number of seconds >= 0");
        if (maxMemoryMiB < 16) throw new UsageException("query: --max-memory must be at least 16 (MiB)");
        var maxMemory = (long)maxMemoryMiB << 20;
        return new QueryLimits
        {
            Timeout = TimeSpan.FromSeconds(timeoutSeconds),
            MaxMemoryBytes = maxMemory,
            MaxValueBytes = (int)Math.Min(QueryLimits.DefaultMaxValue, maxMemory / 4),
        };
    }

    private static int Run(string mountPoint, string sql, OutputFormat format, QueryLimits limits)
    {
        if (string.IsNullOrWhiteSpace(sql)) throw new UsageException("query: no SQL given");
        using var index = MountIndex.Open(mountPoint);
        using var stdout = Console.OpenStandardOutput();
        try
        {
            using var cursor = index.Query(sql, limits);
            var writer = RowWriter.For(format, stdout);
            writer.Begin(cursor.Columns);
            while (cursor.Read()) writer.Row(cursor.Values());
            writer.End();
            return 0;
        }
        catch (SqliteException e)
        {
            throw new UsageException($"query: {e.Message}");
        }
    }
}
