using System.CommandLine;
using System.Text.Json;
using TierFs.Cli.Commands.Query;
using TierFs.Cli.Commands.Tier;
using TierFs.Tiering.Control;

namespace TierFs.Cli.Commands.Background;

/// <summary>`tierfs policy list MOUNTPOINT` and `tierfs policy run MOUNTPOINT [NAME] [--dry-run]`: the mount's daemon's policies.</summary>
public static class PolicyDaemonCommands
{
    public static IEnumerable<Command> Create() => [List(), Run()];

    private static Argument<string> Mount() => new("MOUNTPOINT") { Description = "A TierFs mountpoint (or any path on the mount)." };

    private static Command List()
    {
        var mount = Mount();
        var cmd = new Command("list", "Print the mount's policies in the order they run (priority): name, priority, action, limits, condition and order.") { mount };
        cmd.SetAction(async (parse, ct) =>
        {
            var rows = new List<string[]>();
            var status = await DaemonRequest.RunAsync(parse.GetValue(mount)!, new ControlRequest(TierOp.PolicyList, [], false), message =>
            {
                if (message is not DataMessage { Kind: "policy" } m) return;
                using var doc = JsonDocument.Parse(m.Json);
                var p = doc.RootElement;
                rows.Add([
                    p.GetProperty("name").GetString()!,
                    p.GetProperty("priority").GetInt32().ToString(),
                    p.GetProperty("action").GetString()!,
                    Limit(p, "maxFiles", n => n.ToString()),
                    Limit(p, "maxBytes", ByteSize.Format),
                    p.GetProperty("where").GetString()!,
                    p.GetProperty("order").GetString()!,
                ]);
            }, ct);
            if (rows.Count == 0 && status == 0) Console.WriteLine("no policies (add some under policies: in the mount's configuration)");
            else
            {
                var table = new TableRowWriter(Console.Out);
                table.Begin(["NAME", "PRIORITY", "ACTION", "MAX_FILES", "MAX_BYTES", "WHERE", "ORDER"]);
                foreach (var row in rows) table.Row(row);
                table.End();
            }
            return status;
        });
        return cmd;
    }

    private static string Limit(JsonElement p, string key, Func<long, string> format) =>
        p.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? format(v.GetInt64()) : "-";

    private static Command Run()
    {
        var mount = Mount();
        var name = new Argument<string?>("NAME") { Description = "Run only this policy (default: all, then the usage release).", Arity = ArgumentArity.ZeroOrOne };
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "Print what would be done (files and bytes per policy) and change nothing (no scan either)." };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Also name the files: those a dry run would move, and those held back with why (at most 1000 per reason)." };
        var retryNow = new Option<bool>("--retry-now") { Description = "Take files that wait for a retry (or failed too often) now instead of after their backoff." };
        var cmd = new Command("run",
            "Run the policies now, as the daemon does every interval (ignoring the window): an incremental scan, then each policy in priority order, " +
            "its files moved by the workers. Prints one line per job and, below it, how many matching files were held back and why (younger than " +
            "min_age, open, noarchive/norelease, waiting for a retry, over max_files/max_bytes); each failed file is one line on stderr with why. " +
            "Progress: a bar on a terminal, else a line every few seconds. Exit status 1 if any file failed, 2 for an unknown policy.")
        {
            mount, name, dryRun, verbose, retryNow,
        };
        cmd.SetAction(async (parse, ct) =>
        {
            var dry = parse.GetValue(dryRun);
            var v = parse.GetValue(verbose);
            var mountPoint = DaemonRequest.MountOf(parse.GetValue(mount)!);
            var request = new ControlRequest(TierOp.PolicyRun, [], false, Policy: parse.GetValue(name), DryRun: dry, RetryNow: parse.GetValue(retryNow));
            var view = dry ? new ProgressView(Console.Out, Console.Error) : ProgressView.For(TierOp.PolicyRun);
            view.Expect(null); // the totals come from each job's start
            var any = false;
            var status = await DaemonRequest.RunAsync(mountPoint, request, message =>
            {
                if (message is not DataMessage m) return;
                using var doc = JsonDocument.Parse(m.Json);
                var d = doc.RootElement;
                switch (m.Kind)
                {
                    case "plan":
                        any = true;
                        view.Out($"{d.GetProperty("policy").GetString()}: would {d.GetProperty("action").GetString()} " +
                                 $"{d.GetProperty("files").GetInt64()} files, {ByteSize.Format(d.GetProperty("bytes").GetInt64())}");
                        if (v)
                            foreach (var p in d.GetProperty("paths").EnumerateArray()) view.Out($"  {DaemonRequest.Absolute(mountPoint, p.GetString()!)}");
                        PrintHeld(view, d, mountPoint, v);
                        break;
                    case "job-start":
                        view.Planned(d.GetProperty("files").GetInt32(), d.GetProperty("bytes").GetInt64());
                        break;
                    case "job" when d.GetProperty("status").GetString() == "skipped":
                        any = true;
                        view.Out($"{d.GetProperty("policy").GetString()}: nothing to move; skipped");
                        PrintHeld(view, d, mountPoint, v);
                        break;
                    case "job":
                        any = true;
                        view.Out(JobLine(d));
                        PrintHeld(view, d, mountPoint, v);
                        break;
                }
            }, ct, view);
            if (!any && status == 0) Console.WriteLine(dry ? "nothing would be done" : "nothing to do");
            return status;
        });
        return cmd;
    }

    /// <summary>
    /// "  held back: 2 younger than min_age (1h), 1 noarchive"; with <paramref name="verbose"/> a line
    /// per reason and the files named below it, each with its own detail.
    /// </summary>
    internal static void PrintHeld(ProgressView view, JsonElement d, string mountPoint, bool verbose)
    {
        if (!d.TryGetProperty("held", out var held) || held.GetArrayLength() == 0) return;
        if (!verbose)
        {
            view.Out("  held back: " + string.Join(", ", held.EnumerateArray().Select(g => $"{g.GetProperty("count").GetInt64()} {g.GetProperty("reason").GetString()}")));
            return;
        }
        foreach (var g in held.EnumerateArray())
        {
            var count = g.GetProperty("count").GetInt64();
            view.Out($"  held back, {g.GetProperty("reason").GetString()}: {count} {(count == 1 ? "file" : "files")}");
            var named = 0;
            foreach (var f in g.GetProperty("files").EnumerateArray())
            {
                named++;
                var detail = f.GetProperty("detail").GetString();
                view.Out($"    {DaemonRequest.Absolute(mountPoint, f.GetProperty("path").GetString()!)}{(detail is null ? "" : $" ({detail})")}");
            }
            if (count > named) view.Out($"    ... and {count - named} more");
        }
    }

    /// <summary>"cold-large: migrate 12 files, 1.2 GiB, 0 skipped, 0 failed in 3.4 s (job 7)".</summary>
    internal static string JobLine(JsonElement d)
    {
        var name = d.GetProperty("policy").GetString() ?? d.GetProperty("kind").GetString();
        return $"{name}: {d.GetProperty("action").GetString()} {d.GetProperty("files").GetInt64()} files, " +
               $"{ByteSize.Format(d.GetProperty("bytes").GetInt64())}, {d.GetProperty("skipped").GetInt64()} skipped, " +
               $"{d.GetProperty("failed").GetInt64()} failed in {d.GetProperty("seconds").GetDouble():0.0} s " +
               $"({d.GetProperty("status").GetString()}, job {d.GetProperty("id").GetInt64()})";
    }
}
