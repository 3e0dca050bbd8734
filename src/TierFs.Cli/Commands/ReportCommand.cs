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
        var cmd = new Command("report",
            "Summarise the mount's metadata index, read-only: files and bytes by state (resident, archived, dirty, released, lost), " +
            "by owner, the directories holding the most bytes, what the remote tier holds (objects and bytes, by pair), the pending " +
            "remote deletions and the last scan. As current as the index (the last scan and the mount's own changes).")
        {
            mountPoint, format, depth, top,
        };
        cmd.SetAction(parse => Run(parse.GetValue(mountPoint)!, parse.GetValue(format), parse.GetValue(depth), parse.GetValue(top)));
        return cmd;
    }

    private static int Run(string mountPoint, ReportFormat format, int depth, int top)
    {
        if (depth < 1) throw new UsageException("report: --depth must be 1 or more");
        if (top < 1) throw new UsageException("report: --top must be 1 or more");
        using var index = MountIndex.Open(mountPoint);
        var report = MountReport.Collect(index, depth, top, DateTimeOffset.UtcNow);
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
