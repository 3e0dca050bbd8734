using System.Text.Json;
using TierFs.Index;
using TierFs.Peer;
using TierFs.Ops.Report;

namespace TierFs.Ops;

/// <summary>
/// What the metrics and the status page show at one moment: the report's numbers (files and bytes
/// by state, the remote tier, pending deletions, the last scan; the same code as `tierfs report`),
/// the daemon's status (the JSON `tierfs status --json` prints), the engine's work in flight, the
/// backing filesystem, verify runs, open alarms and the peer.
/// </summary>
public sealed record OpsSnapshot(
    string MountPoint,
    DateTimeOffset At,
    IReadOnlyList<StateTotal> States,
    IReadOnlyList<PairTotal> Remote,
    DeleteQueue PendingDeletes,
    LastScan? LastScan,
    JsonElement Status,
    int RecallsInFlight,
    int TransfersInFlight,
    long BackingUsed,
    long BackingSize,
    IReadOnlyList<VerifyRunRow> VerifyRuns,
    VerifyRunRow? LastCleanVerify,
    IReadOnlyList<AlarmRow> OpenAlarms,
    PeerStatus? Peer)
{
    /// <summary>Files and bytes the daemon still has to move in the run under way: the job's rest and the jobs queued behind it.</summary>
    public (long Files, long Bytes) Queue
    {
        get
        {
            if (Status.ValueKind != JsonValueKind.Object || Status.GetProperty("running") is not { ValueKind: JsonValueKind.Object } run) return (0, 0);
            long files = 0, bytes = 0;
            foreach (var q in run.GetProperty("queue").EnumerateArray())
            {
                files += q.GetProperty("files").GetInt64();
                bytes += q.GetProperty("bytes").GetInt64();
            }
            if (run.GetProperty("job") is { ValueKind: JsonValueKind.Object } job)
            {
                files += Math.Max(0, job.GetProperty("planned").GetInt64() - job.GetProperty("files").GetInt64() - job.GetProperty("skipped").GetInt64() - job.GetProperty("failed").GetInt64());
                bytes += Math.Max(0, job.GetProperty("plannedBytes").GetInt64() - job.GetProperty("bytes").GetInt64());
            }
            return (files, bytes);
        }
    }
}
