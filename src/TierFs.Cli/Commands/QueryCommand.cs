using System.CommandLine;
using Microsoft.Data.Sqlite;
using TierFs.Cli.Commands.Query;
using TierFs.Cli.Mounting;

namespace TierFs.Cli.Commands;

/// <summary>`tierfs query MOUNTPOINT SQL [--format table|csv|json]`: one read-only statement against the mount's index.</summary>
public static class QueryCommand
{
    public static Command Create()
    {
        var mountPoint = new Argument<string>("MOUNTPOINT") { Description = "A TierFs mountpoint." };
        var sql = new Argument<string>("SQL")
        {
            Description = "One SELECT (or WITH ... SELECT) statement. The files view has one row per entry: path, name, type (f d l o), " +
                          "inode, size, blocks, mode, uid, gid, atime, mtime, ctime (ns), state (resident archived dirty released lost), " +
                          "flags, pair, object_key...; path(id) gives an entry's path. Tables: entries, tier, pending_deletes, oplog, scans.",
        };
        var format = new Option<OutputFormat>("--format") { Description = "table (aligned columns), csv (RFC 4180 quoting) or json (an array of objects).", DefaultValueFactory = _ => OutputFormat.Table };
        var cmd = new Command("query",
            "Run SQL against the mount's metadata index, read-only: a write, ATTACH, PRAGMA or a second statement is refused (exit status 2), " +
            "and the mount is never held up. Rows are printed as they are read, so any result size streams; the table format sizes its " +
            "columns on the first 1000 rows. SQL errors: one line, exit status 2.") { mountPoint, sql, format };
        cmd.SetAction(parse => Run(parse.GetValue(mountPoint)!, parse.GetValue(sql)!, parse.GetValue(format)));
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
