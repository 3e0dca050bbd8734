using System.CommandLine;
using System.Text.Json;
using TierFs.Cli.Commands.Tier;
using TierFs.Tiering.Control;

namespace TierFs.Cli.Commands.Background;

/// <summary>`tierfs status MOUNTPOINT`: the daemon's schedule, the transfers and the workers under way, the job under way with progress, the queue, the last jobs.</summary>
public static class StatusCommand
{
    public static Command Create()
    {
        var mount = new Argument<string>("MOUNTPOINT") { Description = "A TierFs mountpoint (or any path on the mount)." };
        var json = new Option<bool>("--json") { Description = "Print the status as one JSON object." };
        var cmd = new Command("status", "Show the tiering daemon: schedule and next run, the job under way with its progress, the jobs queued behind it, and the last jobs.") { mount, json };
        cmd.SetAction(async (parse, ct) =>
        {
            string? text = null, peer = null;
            var mountPoint = DaemonRequest.MountOf(parse.GetValue(mount)!);
            var status = await DaemonRequest.RunAsync(mountPoint, new ControlRequest(TierOp.Status, [], false), message =>
            {
                if (message is DataMessage { Kind: "status" } m) text = m.Json;
                if (message is DataMessage { Kind: "peer" } p) peer = p.Json;
            }, ct);
            if (text is null) return status == 0 ? 1 : status;
            if (parse.GetValue(json)) Console.WriteLine(peer is null ? text : text.TrimEnd().TrimEnd('}') + ",\"peer\":" + peer + "}");
            else
            {
                using var doc = JsonDocument.Parse(text);
                Print(doc.RootElement, Console.Out, mountPoint);
                if (peer is not null)
                {
                    using var link = JsonDocument.Parse(peer);
                    PrintPeer(link.RootElement, Console.Out);
                }
            }
            return status;
        });
        return cmd;
    }

    internal static void Print(JsonElement s, TextWriter w, string mountPoint)
    {
        var window = s.GetProperty("window").GetString();
        var periodic = s.GetProperty("periodic").GetBoolean();
        // Outside the window the next run is the window's start: say so rather than show a time nothing happens at.
        var when = s.TryGetProperty("pausedUntil", out var paused) && paused.GetString() is { } until
            ? $"paused until {until} (next run {Time(s.GetProperty("nextRun"))})"
            : $"next run {Time(s.GetProperty("nextRun"))}";
        w.WriteLine(periodic
            ? $"daemon: every {s.GetProperty("interval").GetString()}{(window is null ? "" : $" within {window}")}, " +
              $"{Count(s.GetProperty("policies").GetInt32(), "policy", "policies")}, {Count(s.GetProperty("workers").GetInt32(), "worker", "workers")}; {when}"
            : s.TryGetProperty("readOnly", out var ro) && ro.GetBoolean()
                ? "daemon: off (read-only mount, -o ro); tierfs policy run --dry-run shows what the policies would do"
                : "daemon: off (--no-daemon); tierfs policy run runs the policies");
        if (s.GetProperty("lastScan").GetString() is { } scan) w.WriteLine($"last scan: {scan}");
        if (s.TryGetProperty("recalls", out var recalls) && recalls.ValueKind == JsonValueKind.Object)
            w.WriteLine($"recalls: {recalls.GetProperty("running").GetInt32()} running, {recalls.GetProperty("queued").GetInt32()} queued " +
                        $"(max_concurrent {recalls.GetProperty("maxConcurrent").GetInt32()}, max_queued {recalls.GetProperty("maxQueued").GetInt32()})");
        if (s.TryGetProperty("transfers", out var transfers))
            foreach (var t in transfers.EnumerateArray()) w.WriteLine(TransferLine(t, mountPoint));
        // The mount's one pool of movers, while anyone uses it: how many workers are busy, and who moves and waits.
        if (s.TryGetProperty("movers", out var movers) && movers.GetProperty("submissions").GetArrayLength() > 0)
        {
            w.WriteLine($"workers: {movers.GetProperty("busy").GetInt32()} of {movers.GetProperty("limit").GetInt32()} busy");
            foreach (var m in movers.GetProperty("submissions").EnumerateArray())
                w.WriteLine($"  {m.GetProperty("name").GetString()}: {m.GetProperty("moving").GetInt32()} moving, {m.GetProperty("waiting").GetInt32()} waiting");
        }
        if (s.GetProperty("running") is { ValueKind: JsonValueKind.Object } run)
        {
            w.WriteLine($"running: run {run.GetProperty("run").GetInt64()} since {Time(run.GetProperty("started"))}, {run.GetProperty("phase").GetString()}");
            if (run.GetProperty("job") is { ValueKind: JsonValueKind.Object } job)
            {
                var planned = job.GetProperty("plannedBytes").GetInt64();
                var bytes = job.GetProperty("bytes").GetInt64();
                w.WriteLine($"  job {job.GetProperty("id").GetInt64()} {job.GetProperty("policy").GetString()} ({job.GetProperty("action").GetString()}): " +
                            $"{job.GetProperty("files").GetInt64()}/{job.GetProperty("planned").GetInt64()} files, " +
                            $"{ByteSize.Format(bytes)}/{ByteSize.Format(planned)} ({(planned > 0 ? 100.0 * bytes / planned : 100):0}%), " +
                            $"{job.GetProperty("skipped").GetInt64()} skipped, {job.GetProperty("failed").GetInt64()} failed");
            }
            foreach (var q in run.GetProperty("queue").EnumerateArray())
                w.WriteLine($"  queued: {q.GetProperty("policy").GetString()}: {q.GetProperty("files").GetInt64()} files, {ByteSize.Format(q.GetProperty("bytes").GetInt64())}");
        }
        else w.WriteLine("running: nothing");
        var jobs = s.GetProperty("jobs").EnumerateArray().ToList();
        if (jobs.Count == 0)
        {
            w.WriteLine("last jobs: none yet");
            return;
        }
        w.WriteLine("last jobs:");
        foreach (var j in jobs) w.WriteLine($"  {Time(j.GetProperty("started"))}  {PolicyDaemonCommands.JobLine(j)}");
    }

    /// <summary>
    /// "moving: recalling 37% (370 MiB/1.0 GiB, 120 MiB/s, ETA 6s) PATH (open by pid=… uid=… comm=…)";
    /// a recall waiting for its turn: "moving: queued for recall (1.0 GiB) PATH (...)"; a recall others
    /// joined: "(policy by pid=… uid=0 comm=tierfs; shared by 3)".
    /// </summary>
    internal static string TransferLine(JsonElement t, string mountPoint)
    {
        var total = t.GetProperty("total").GetInt64();
        var done = t.GetProperty("done").GetInt64();
        var activity = t.GetProperty("activity").GetString();
        var path = DaemonRequest.Absolute(mountPoint, t.GetProperty("path").GetString()!);
        var shared = t.TryGetProperty("sharing", out var n) && n.GetInt32() > 1 ? $"; shared by {n.GetInt32()}" : "";
        var by = t.TryGetProperty("by", out var b) && b.GetString() is { } who ? $" ({who}{shared})" : "";
        if (activity == TierFs.Tiering.Engine.TransferView.Queued) return $"moving: {activity} ({ByteSize.Format(total)}) {path}{by}";
        var rate = t.TryGetProperty("rate", out var r) ? r.GetInt64() : 0;
        var eta = t.TryGetProperty("etaSeconds", out var e) && e.ValueKind == JsonValueKind.Number ? $", ETA {Duration(e.GetInt64())}" : "";
        return $"moving: {activity} {(total > 0 ? Math.Min(100, done * 100 / total) : 100)}% " +
               $"({ByteSize.Format(done)}/{ByteSize.Format(total)}{(rate > 0 ? $", {ByteSize.Format(rate)}/s" : "")}{eta}) {path}{by}";
    }

    private static string Duration(long seconds) =>
        seconds < 60 ? $"{seconds}s" : seconds < 3600 ? $"{seconds / 60}m{seconds % 60:00}s" : $"{seconds / 3600}h{seconds / 60 % 60:00}m";

    /// <summary>"peer: east-b (https://east-b:7401) reachable since ..., 0 entries to receive, 0 to send".</summary>
    internal static void PrintPeer(JsonElement p, TextWriter w)
    {
        var name = p.GetProperty("peerNode").GetString() is { } n ? $"{n} ({p.GetProperty("url").GetString()})" : p.GetProperty("url").GetString();
        var since = p.GetProperty("since") is { ValueKind: JsonValueKind.String } s ? $" since {s.GetDateTimeOffset().ToLocalTime():yyyy-MM-dd HH:mm:ss}" : "";
        var state = p.GetProperty("reachable").GetBoolean()
            ? $"reachable{since}"
            : $"unreachable{since}{(p.GetProperty("lastError").GetString() is { } e ? $" ({e})" : "")}";
        w.WriteLine($"peer: {name} {state}; {p.GetProperty("waitingIn").GetInt64()} log entries to receive, {p.GetProperty("waitingOut").GetInt64()} to send");
    }

    private static string Count(int n, string one, string many) => $"{n} {(n == 1 ? one : many)}";

    private static string Time(JsonElement ms) => ms.ValueKind == JsonValueKind.Number
        ? DateTimeOffset.FromUnixTimeMilliseconds(ms.GetInt64()).ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss")
        : "-";
}
