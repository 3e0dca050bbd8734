using System.Text.Json;
using TierFs.Daemon;
using TierFs.Index;
using TierFs.Ops.Alarms;
using TierFs.Ops.Verify;
using TierFs.Tiering.Control;

namespace TierFs.Ops;

/// <summary>The control socket's `tierfs verify` and `tierfs alarms` (root only: the caller gate lets no one else through).</summary>
public sealed class OpsCommands(Verifier verifier, AlarmBook alarms) : ITierCommands
{
    public async Task RunAsync(ControlRequest request, IControlSink sink, CancellationToken ct)
    {
        switch (request.Op)
        {
            case TierOp.Verify:
                var run = await verifier.RunAsync(new VerifyRequest(request.Level, request.Paths, request.Repair, request.DryRun, "command"), new SinkReport(sink), ct)
                    .ConfigureAwait(false);
                sink.Data("verify", RunJson(run));
                break;
            case TierOp.Alarms when request.Ack > 0:
                if (alarms.Ack(request.Ack, request.Caller?.Description ?? "the daemon") is { } why) TieringDaemon.Refuse(sink, why, badInput: true);
                else sink.Data("acked", JsonSerializer.Serialize(new { id = request.Ack }));
                break;
            case TierOp.Alarms:
                foreach (var a in alarms.Open()) sink.Data("alarm", AlarmJson(a));
                break;
            default:
                throw new ArgumentException($"{ControlProtocol.OpName(request.Op)} is not an operation of the operator's view", nameof(request));
        }
    }

    public static string AlarmJson(AlarmRow a) => JsonSerializer.Serialize(new { id = a.Id, raised = a.RaisedMs, source = a.Source, run = a.Run, message = a.Message });

    public static string RunJson(VerifyRunRow r) => JsonSerializer.Serialize(new
    {
        id = r.Id,
        started = r.StartedMs,
        finished = r.FinishedMs,
        seconds = Math.Round(r.Duration.TotalSeconds, 2),
        level = r.Level,
        trigger = r.Trigger,
        repair = r.Repair,
        files = r.Files,
        objects = r.Objects,
        bytes = r.Bytes,
        missing = r.Missing,
        sizeDiffers = r.SizeDiffers,
        checksumDiffers = r.ChecksumDiffers,
        orphans = r.Orphans,
        recordIndex = r.RecordIndex,
        foreign = r.Foreign,
        errors = r.Errors,
        repaired = r.Repaired,
        differences = r.Differences,
        status = r.Status,
        message = r.Message,
    });
}
