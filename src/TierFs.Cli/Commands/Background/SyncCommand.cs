using System.CommandLine;
using System.Text.Json;
using TierFs.Tiering.Control;

namespace TierFs.Cli.Commands.Background;

/// <summary>`tierfs sync MOUNTPOINT`: publish the pair's namespace to the remote tier now.</summary>
public static class SyncCommand
{
    public static Command Create()
    {
        var mount = new Argument<string>("MOUNTPOINT") { Description = "A TierFs mountpoint (or any path on the mount)." };
        var cmd = new Command("sync",
            "Publish the pair's namespace (every directory, file and link with its attributes, tier state and data object) to the remote tier now: " +
            "the first time a snapshot, then only what changed since the last sync. Readers west see the new generation whole or the one before. " +
            "Only the master side of a pair (meta_sync_role: master) publishes; root only. Ends with a summary line.")
        {
            mount,
        };
        cmd.SetAction(async (parse, ct) =>
        {
            string? summary = null;
            var status = await DaemonRequest.RunAsync(parse.GetValue(mount)!, new ControlRequest(TierOp.Sync, [], false), message =>
            {
                if (message is not DataMessage { Kind: "sync" } m) return;
                using var doc = JsonDocument.Parse(m.Json);
                summary = doc.RootElement.GetProperty("summary").GetString();
            }, ct);
            if (summary is not null) Console.WriteLine(summary);
            return status;
        });
        return cmd;
    }
}
