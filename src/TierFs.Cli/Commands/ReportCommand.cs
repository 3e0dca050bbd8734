using System.CommandLine;
using TierFs.Cli.Commands.Query;
using TierFs.Cli.Commands.Report;
using TierFs.Ops.Report;
using TierFs.Host;

namespace TierFs.Cli.Commands;

/// <summary>`tierfs report PATH [--format table|json]`: what the index of the mount holding PATH says about the tree and the tiers.</summary>
public static class ReportCommand
{
    public static Command Create()
    {
        var mountPoint = new Argument<string>("MOUNTPOINT") { Description = "A TierFs mountpoint, or any path on a TierFs mount (its mount is reported)." };
        var format = EnumOption.Create("--format", "table (sections, human sizes; the default) or json (one object, exact bytes).", ReportFormat.Table);
        var depth = new Option<int>("--depth") { Description = "Top directories are those this many levels below the root (default 1).", DefaultValueFactory = _ => 1 };
        var top = new Option<int>("--top") { Description = "How many top directories to show (default 10).", DefaultValueFactory = _ => 10 };
        var since = new Option<string>("--since")
        {
            Description = "The recalls counted: those asked for from this time on, an ISO time (2026-12-01T08:00, UTC unless it says otherwise) or how long ago (30m, 2h, 7d; default 7d).",
            DefaultValueFactory = _ => "7d",
        };
        var cmd = new Command("report",
            "Summarise the mount's metadata index, read-only: files and bytes by state (resident, archived, dirty, released, lost), " +
            "by owner, the directories holding the most bytes, what the remote tier holds (objects and bytes, by pair), the pending " +
            "remote deletions, the last scan, and the recalls by user and by command (--since). As current as the index (the last scan and the mount's own changes).")
        {
            mountPoint, format, depth, top, since,
        };
        cmd.SetAction(parse => Run(parse.GetValue(mountPoint)!, parse.GetValue(format), parse.GetValue(depth), parse.GetValue(top), parse.GetValue(since)!));
        return cmd;
    }

    private static int Run(string mountPoint, ReportFormat format, int depth, int top, string since)
    {
        if (depth < 1) throw new UsageException("report: --depth must be 1 or more");
        if (top < 1) throw new UsageException("report: --top must be 1 or more");
        var recallsSince = DateTimeOffset.FromUnixTimeMilliseconds(LogCommand.SinceMs(since, "report"));
        using var index = MountIndex.Open(mountPoint);
        var report = MountReport.Collect(index, depth, top, DateTimeOffset.UtcNow, recallsSince);
        using var stdout = Console.OpenStandardOutput();
        if (format == ReportFormat.Json) ReportPrinter.Json(report, stdout);
        else
        {
            using var text = new StreamWriter(stdout, leaveOpen: true);
            ReportPrinter.Table(report, text);
        }
        return 0;
    }
}
