using System.Text.Json;
using TierFs.Daemon;
using TierFs.Index;
using TierFs.Peer;
using TierFs.Ops.Report;
using TierFs.Tiering.Control;
using TierFs.Tiering.Engine;

namespace TierFs.Ops;

/// <summary>
/// Collects an <see cref="OpsSnapshot"/> of one mount: its index read-only (as `tierfs report` reads it), its daemon, its engine,
/// and the link to the other management node (<paramref name="peer"/>: null when no peer is configured).
/// </summary>
public sealed class OpsView(string mountPoint, TierIndex index, ITierCommands daemon, TierEngine engine, IUsageProbe usage, PeerState? peer)
{
    public string MountPoint => mountPoint;

    public async Task<OpsSnapshot> CollectAsync(CancellationToken ct)
    {
        index.Flush(); // what the engine recorded a moment ago counts, as for `tierfs report` after a command
        var now = DateTimeOffset.UtcNow;
        IReadOnlyList<StateTotal> states;
        IReadOnlyList<PairTotal> remote;
        DeleteQueue deletes;
        LastScan? scan;
        using (var reader = ReadOnlyIndex.Open(index.Path, mountPoint: mountPoint))
        {
            states = MountReport.StateTotals(reader);
            remote = MountReport.RemoteTotals(reader);
            deletes = MountReport.DeleteQueueOf(reader, now);
            scan = MountReport.LastScanOf(reader);
        }
        var status = new StatusSink();
        await daemon.RunAsync(new ControlRequest(TierOp.Status, [], false), status, ct).ConfigureAwait(false);
        var (used, size) = usage.Usage();
        return new OpsSnapshot(mountPoint, now, states, remote, deletes, scan, status.Json, engine.RecallsInFlight, engine.Transfers.Snapshot().Count,
            used, size, index.RecentVerifyRuns(10), index.LastVerifyRun(VerifyRunRow.StatusClean), index.Alarms(openOnly: true, 100), peer?.Snapshot());
    }

    private sealed class StatusSink : IControlSink
    {
        public JsonElement Json { get; private set; }

        public void Data(string kind, string json)
        {
            if (kind == "status") Json = JsonDocument.Parse(json).RootElement.Clone();
        }

        public void Progress(string path, long done, long total) { }
        public void Result(FileResult result) { }
    }
}
