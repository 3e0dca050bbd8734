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
                    // Each failed file was reported as it failed, with its reason.
                    await RunAsync(request.Policy, request.DryRun, sink, ct, request.RetryNow).ConfigureAwait(false);
                }
                catch (ArgumentException e)
                {
                    Refuse(sink, e.Message, badInput: true);
                }
                catch (InvalidOperationException e) when (ReadOnly)
                {
                    Refuse(sink, e.Message, badInput: false);
                }
                break;
            case TierOp.Status:
                sink.Data("status", StatusJson());
                break;
            default:
                throw new ArgumentException($"{ControlProtocol.OpName(request.Op)} is not an operation of the daemon", nameof(request));
        }
    }

    /// <summary>
    /// The request cannot be done: one line for the user, exit status 2 when it was bad input
    /// (an unknown policy name), else 1. Shared with the mount's own refusals (reload).
    /// </summary>
    public static void Refuse(IControlSink sink, string message, bool badInput) =>
        sink.Data("refused", JsonSerializer.Serialize(new { message, badInput }));

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
            var result = await ScanOnOwnThread(options, ct).ConfigureAwait(false);
            lock (_state) _lastScan = result;
            return result;
        }
        finally
        {
            _oneRun.Release();
        }
    }

    /// <summary>
    /// A scan blocks its caller's thread for the whole walk: it gets a thread of its own, not one of
    /// the pool's (one per core), which the index writer's loop needs while the scan feeds it.
    /// </summary>
    private Task<ScanResult> ScanOnOwnThread(ScanOptions options, CancellationToken ct) =>
        Task.Factory.StartNew(() => _scanner.Scan(options), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);

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
        var schedule = Schedule;
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
        var paused = Periodic && RunTimes.Paused(_clock.GetUtcNow(), schedule.Window, _clock.LocalTimeZone);
        var now = DateTimeOffset.UtcNow;
        return JsonSerializer.Serialize(new
        {
            periodic = Periodic,
            readOnly = ReadOnly,
            interval = Units.FormatDuration(schedule.Interval),
            window = schedule.Window?.ToString(),
            workers = schedule.Workers,
            policies = Policies.Count,
            nextRun = Periodic ? next?.ToUnixTimeMilliseconds() : null,
            // Outside the window nothing starts before its start.
            pausedUntil = paused ? schedule.Window?.Start.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture) : null,
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
            transfers = (Transfers?.Snapshot() ?? []).Select(t => new
            {
                path = t.Path, activity = t.Activity, done = t.Done, total = t.Total, by = t.By, sharing = t.Sharing,
                since = t.Since == default ? (long?)null : t.Since.ToUnixTimeMilliseconds(),
                rate = (long)t.Rate(now),
                etaSeconds = t.Eta(now) is { } eta ? (long?)Math.Ceiling(eta.TotalSeconds) : null,
            }).ToList(),
            recalls = Recalls?.Load is { } load ? new { running = load.Running, queued = load.Queued, maxConcurrent = load.MaxConcurrent, maxQueued = load.MaxQueued } : null,
            movers = new
            {
                limit = Movers.Limit,
                busy = Movers.Busy,
                submissions = Movers.Snapshot().Select(v => new { name = v.Name, kind = v.Kind.ToString().ToLowerInvariant(), moving = v.Moving, waiting = v.Waiting }).ToList(),
            },
            jobs = _jobs.RecentJobs(10).Select(JobView).ToList(),
        });
    }
}
