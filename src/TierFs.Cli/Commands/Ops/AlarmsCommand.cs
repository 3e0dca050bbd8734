using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using TierFs.Cli.Commands.Background;
using TierFs.Tiering.Control;

namespace TierFs.Cli.Commands.Ops;

/// <summary>`tierfs alarms MOUNTPOINT [--ack ID]`: the mount's open alarms, or acknowledge one.</summary>
public static class AlarmsCommand
{
    public static Command Create()
    {
        var mount = new Argument<string>("MOUNTPOINT") { Description = "A TierFs mountpoint (or any path on the mount)." };
        var ack = new Option<long>("--ack") { Description = "Acknowledge (close) the alarm with this id.", HelpName = "ID" };
        var json = new Option<bool>("--json") { Description = "One JSON object per open alarm." };
        var cmd = new Command("alarms",
            "List the mount's open alarms (raised by a verify run that found differences): ID, when, what. --ack ID closes one. Root only.")
        {
            mount, ack, json,
        };
        cmd.SetAction(async (parse, ct) =>
        {
            var id = parse.GetValue(ack);
            if (parse.GetResult(ack) is not null && id <= 0) throw new Host.UsageException("alarms: --ack takes an alarm id (a positive number)");
            var lines = new List<string>();
            var acked = false;
            var status = await DaemonRequest.RunAsync(parse.GetValue(mount)!, new ControlRequest(TierOp.Alarms, [], false, Ack: id), reply =>
            {
                if (reply is DataMessage { Kind: "acked" }) acked = true;
                if (reply is not DataMessage { Kind: "alarm" } m) return;
                if (parse.GetValue(json))
                {
                    lines.Add(m.Json);
                    return;
                }
                using var doc = JsonDocument.Parse(m.Json);
                var a = doc.RootElement;
                var raised = DateTimeOffset.FromUnixTimeMilliseconds(a.GetProperty("raised").GetInt64()).ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
                lines.Add($"{a.GetProperty("id").GetInt64()}  {raised}  {a.GetProperty("message").GetString()}");
            }, ct);
            if (status != 0) return status;
            if (id > 0)
            {
                if (acked) Console.WriteLine($"alarm {id} acknowledged");
                return acked ? 0 : 1;
            }
            if (lines.Count == 0 && !parse.GetValue(json)) Console.WriteLine("no open alarms");
            foreach (var line in lines) Console.WriteLine(line);
            return 0;
        });
        return cmd;
    }
}
