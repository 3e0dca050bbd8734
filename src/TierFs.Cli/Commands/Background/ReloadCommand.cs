using System.CommandLine;
using System.Text.Json;
using TierFs.Tiering.Control;

namespace TierFs.Cli.Commands.Background;

/// <summary>`tierfs reload MOUNTPOINT`: the mount reads its configuration file again (as SIGHUP does).</summary>
public static class ReloadCommand
{
    public static Command Create()
    {
        var mount = new Argument<string>("MOUNTPOINT") { Description = "A TierFs mountpoint (or any path on the mount)." };
        var cmd = new Command("reload",
            "Read the mount's configuration file again, without unmounting (SIGHUP to the mount daemon does the same). The new file is checked first, " +
            "as tierfs policy check and a mount check it; a bad file changes nothing (one line, exit status 2). Taken at once: policies, schedule, " +
            "log_level, remote.delete_grace and the remote's transfer settings (endpoint, region, part_size, concurrency, request_timeout: a new " +
            "client, which must answer first). Refused: the remote tier's identity (type, bucket or path, prefix), cluster_id and the pair, which " +
            "only a new mount may change. Prints what changed.")
        {
            mount,
        };
        cmd.SetAction(async (parse, ct) =>
        {
            string? message = null;
            var status = await DaemonRequest.RunAsync(parse.GetValue(mount)!, new ControlRequest(TierOp.Reload, [], false), reply =>
            {
                if (reply is not DataMessage { Kind: "reload" } m) return;
                using var doc = JsonDocument.Parse(m.Json);
                message = doc.RootElement.GetProperty("message").GetString();
            }, ct);
            if (message is not null) Console.WriteLine(message);
            return status;
        });
        return cmd;
    }
}
