using System.CommandLine;
using System.Globalization;
using TierFs.Cli.Commands.Query;
using TierFs.Host;
using TierFs.Index;
using TierFs.Tiering.Config;

namespace TierFs.Cli.Commands;

/// <summary>
/// `tierfs log PATH [--since T] [--origin NODE] [--format table|csv|json]`: the operation log of the
/// mount holding PATH, merged: this node's entries and its peer's, in time order.
/// </summary>
public static class LogCommand
{
    public static Command Create()
    {
        var mountPoint = new Argument<string>("MOUNTPOINT") { Description = "A TierFs mountpoint, or any path on a TierFs mount." };
        var since = new Option<string?>("--since") { Description = "Only entries from this time on: an ISO time (2026-12-01T08:00, UTC unless it says otherwise) or how long ago (30m, 2h, 7d)." };
        var origin = new Option<string?>("--origin") { Description = "Only entries written by this node (node.name)." };
        var format = EnumOption.Create("--format", "table (the default), csv or json.", OutputFormat.Table);
        var cmd = new Command("log",
            "Print the operation log: every migration, archive, release, recall, remote deletion, check and failure, with the node " +
            "that did it (origin) and its sequence number there, the time (UTC), the path, bytes, duration and result. With a peer " +
            "configured (node:, peer:) both nodes keep the whole log. Read-only, root only.")
        {
            mountPoint, since, origin, format,
        };
        cmd.SetAction(parse => Run(parse.GetValue(mountPoint)!, parse.GetValue(since), parse.GetValue(origin), parse.GetValue(format)));
        return cmd;
    }

    private static int Run(string mountPoint, string? since, string? origin, OutputFormat format)
    {
        if (format == OutputFormat.Nul) throw new UsageException("log: --format is table, csv or json");
        var where = new List<string>();
        if (since is not null) where.Add($"at >= {SinceMs(since).ToString(CultureInfo.InvariantCulture)}");
        if (origin is not null) where.Add($"origin = '{origin.Replace("'", "''", StringComparison.Ordinal)}'");
        var sql =
            "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', at / 1000.0, 'unixepoch') AS time, origin, seq, op, path, file_id, bytes, duration_ms, " +
            "CASE WHEN ok THEN 'ok' ELSE 'failed' END AS result, error FROM oplog" +
            (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") + " ORDER BY at, origin, seq";
        using var index = MountIndex.Open(mountPoint);
        using var stdout = Console.OpenStandardOutput();
        using var cursor = index.Query(sql);
        var writer = RowWriter.For(format, stdout);
        writer.Begin(cursor.Columns);
        while (cursor.Read()) writer.Row(cursor.Values());
        writer.End();
        return 0;
    }

    /// <summary>Unix ms of an ISO time, or of now minus a duration (bad input names <paramref name="command"/>).</summary>
    internal static long SinceMs(string text, string command = "log")
    {
        if (Units.TryParseDuration(text, out var ago)) return (DateTimeOffset.UtcNow - ago).ToUnixTimeMilliseconds();
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            return at.ToUnixTimeMilliseconds();
        throw new UsageException($"{command}: --since {text}: expected an ISO time (2026-12-01T08:00) or how long ago (30m, 2h, 7d)");
    }
}
