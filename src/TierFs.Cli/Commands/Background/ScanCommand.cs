using System.CommandLine;
using System.Text.Json;
using TierFs.Tiering.Control;

namespace TierFs.Cli.Commands.Background;

/// <summary>`tierfs scan MOUNTPOINT`: the mount's daemon brings the index in step with the backing tree.</summary>
public static class ScanCommand
{
    public static Command Create()
    {
        var mount = new Argument<string>("MOUNTPOINT") { Description = "A TierFs mountpoint (or any path on the mount)." };
        var threads = new Option<int>("--threads", "-j") { Description = "Threads walking the tree (default: the number of cores)." };
        var cmd = new Command("scan",
            "Walk the backing tree and update the mount's index incrementally: only new, changed, deleted and renamed entries are written " +
            "(also changes made directly in the backing directory, bypassing the mount). Ends with a summary line. Waits for a policy run under way.")
        {
            mount, threads,
        };
        threads.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 0 or > 1024) r.AddError("--threads must be from 1 to 1024");
        });
        cmd.SetAction(async (parse, ct) =>
        {
            var terminal = !Console.IsErrorRedirected;
            string? summary = null;
            var request = new ControlRequest(TierOp.Scan, [], false, Threads: parse.GetValue(threads));
            var status = await DaemonRequest.RunAsync(parse.GetValue(mount)!, request, message =>
            {
                if (message is not DataMessage m) return;
                using var doc = JsonDocument.Parse(m.Json);
                var d = doc.RootElement;
                if (m.Kind == "scan-progress" && terminal)
                    Console.Error.Write($"\rscanning: {d.GetProperty("entries").GetInt64()} entries, {d.GetProperty("new").GetInt64()} new, " +
                                        $"{d.GetProperty("changed").GetInt64()} changed, {d.GetProperty("seconds").GetDouble():0.0} s   ");
                else if (m.Kind == "scan") summary = d.GetProperty("summary").GetString();
            }, ct);
            if (terminal) Console.Error.Write("\r" + new string(' ', 79) + "\r");
            if (summary is not null) Console.WriteLine(summary);
            return status;
        });
        return cmd;
    }
}
