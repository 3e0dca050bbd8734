using System.Text.Json;
using TierFs.Scan;
using TierFs.Tiering.Control;
using TierFs.Tiering.Config;

namespace TierFs.Daemon;

// The daemon's side of `tierfs scan`, `tierfs policy list|run` and `tierfs status`.
public sealed partial class TieringDaemon : ITierCommands
{
    public async Task RunAsync(ControlRequest request, IControlSink sink, CancellationToken ct)
    {
        switch (request.Op)
        {
            case TierOp.Scan:
                sink.Data("scan", ScanJson(await ScanAsync(request.Threads, sink, ct).ConfigureAwait(false)));
                break;
            case TierOp.PolicyList:
                foreach (var p in Policies.OrderBy(p => p.Priority).ThenBy(p => p.Name, StringComparer.Ordinal))
                    sink.Data("policy", JsonSerializer.Serialize(new
                    {
                        name = p.Name,
                        priority = p.Priority,
                        action = ActionName(p.Action),
                        where = p.Where,
                        order = p.Order,
                        maxFiles = p.MaxFiles,
                        maxBytes = p.MaxBytes,
                    }));
                break;
            case TierOp.PolicyRun:
                try
                {
                    foreach (var job in await RunAsync(request.Policy, request.DryRun, sink, ct).ConfigureAwait(false))
                        if (job.Failed > 0) sink.Result(new FileResult(job.Policy ?? job.Kind, false, null, $"{job.Failed} files failed (see the log)"));
                }
                catch (ArgumentException e)
                {
                    sink.Result(new FileResult(request.Policy ?? "", false, null, e.Message));
                }
                break;
            case TierOp.Status:
                sink.Data("status", StatusJson());
                break;
            default:
                throw new ArgumentException($"{ControlProtocol.OpName(request.Op)} is not an operation of the daemon", nameof(request));
        }
    }

    /// <summary>A full scan now, between runs (the scanner and a run never overlap).</summary>
    public async Task<ScanResult> ScanAsync(int threads, IControlSink? sink, CancellationToken ct)
    {
        await _oneRun.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var options = new ScanOptions
            {
                Cancellation = ct,
                Progress = sink is null ? null : p => sink.Data("scan-progress", ProgressJson(p)),
            };
            if (threads > 0) options = options with { Threads = threads };
            var result = await Task.Run(() => _scanner.Scan(options), ct).ConfigureAwait(false);
            lock (_state) _lastScan = result;
            return result;
        }
        finally
        {
            _oneRun.Release();
        }
    }

    private static string ProgressJson(ScanProgress p) => JsonSerializer.Serialize(new
    {
        entries = p.Entries,
        @new = p.New,
        changed = p.Changed,
        deleted = p.Deleted,
        renamed = p.Renamed,
        errors = p.Errors,
        seconds = Math.Round(p.Elapsed.TotalSeconds, 1),
    });

    private static string ScanJson(ScanResult r) => JsonSerializer.Serialize(new
    {
        summary = r.ToString(),
        generation = r.Generation,
        entries = r.Counts.Entries,
        @new = r.Counts.New,
        changed = r.Counts.Changed,
        deleted = r.Counts.Deleted,
        renamed = r.Counts.Renamed,
        errors = r.Counts.Errors,
        seconds = Math.Round(r.Seconds, 2),
        cancelled = r.Cancelled,
    });

    private string StatusJson()
    {
        RunState? current;
        DateTimeOffset? next;
        long ticks, outside;
        ScanResult? scan;
        lock (_state)
        {
            current = _current;
            next = _nextRun;
            ticks = _ticks;
            outside = _ticksOutsideWindow;
            scan = _lastScan;
        }
        var job = current?.Job;
        _index.Flush(); // jobs that started a moment ago are listed too
        return JsonSerializer.Serialize(new
        {
            periodic = Periodic,
            interval = Units.FormatDuration(Schedule.Interval),
            window = Schedule.Window?.ToString(),
            workers = Schedule.Workers,
            policies = Policies.Count,
            nextRun = Periodic ? next?.ToUnixTimeMilliseconds() : null,
            ticks,
            ticksOutsideWindow = outside,
            lastScan = scan?.ToString(),
            running = current is null ? null : new
            {
                run = current.Run,
                started = current.Started.ToUnixTimeMilliseconds(),
                phase = current.Phase,
                job = job is null ? null : new
                {
                    id = job.Start.Id,
                    policy = job.Start.Policy ?? job.Start.Kind,
                    action = job.Start.Action,
                    planned = job.Start.Planned,
                    plannedBytes = job.PlannedBytes,
                    files = job.Files,
                    bytes = job.Bytes,
                    skipped = job.Skipped,
                    failed = job.Failed,
                },
                queue = current.Queue.Select(q => new { policy = q.Name, files = q.Files, bytes = q.Bytes }).ToList(),
            },
            jobs = _index.RecentJobs(10).Select(JobView).ToList(),
        });
    }
}
