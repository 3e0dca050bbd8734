using System.CommandLine;
using Microsoft.Data.Sqlite;
using TierFs.Cli.Commands.Query;
using TierFs.Cli.Mounting;

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
                          "Tables: entries, tier, pending_deletes, oplog, scans, jobs, retries.",
        };
        var format = EnumOption.Create("--format",
            "table (aligned columns, the default), csv (RFC 4180 quoting), json (an array of objects) or nul (no header, every value " +
            "followed by a NUL byte, for xargs -0).", OutputFormat.Table);
        var nul = new Option<bool>("--null", "-0") { Description = "Same as --format nul: SELECT abspath(id) ... -0 | xargs -0 tierfs recall." };
        var cmd = new Command("query",
            "Run SQL against the mount's metadata index, read-only: a write, ATTACH, PRAGMA or a second statement is refused (exit status 2), " +
            "and the mount is never held up. Rows are printed as they are read, so any result size streams; the table format sizes its " +
            "columns on the first 1000 rows. SQL errors: one line, exit status 2.") { mountPoint, sql, format, nul };
        cmd.SetAction(parse =>
        {
            var chosen = parse.GetValue(format);
            if (parse.GetValue(nul))
            {
                if (parse.GetResult(format) is { Implicit: false } && chosen != OutputFormat.Nul)
                    throw new UsageException($"query: -0 is --format nul, not --format {chosen.ToString().ToLowerInvariant()}");
                chosen = OutputFormat.Nul;
            }
            return Run(parse.GetValue(mountPoint)!, parse.GetValue(sql)!, chosen);
        });
        return cmd;
    }

    private static int Run(string mountPoint, string sql, OutputFormat format)
    {
        if (string.IsNullOrWhiteSpace(sql)) throw new UsageException("query: no SQL given");
        using var index = MountIndex.Open(mountPoint);
        using var stdout = Console.OpenStandardOutput();
        try
        {
            using var cursor = index.Query(sql);
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
