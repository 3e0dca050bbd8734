using System.Text.Json;
using TierFs.Common;
using TierFs.Index;
using TierFs.Scan;
using TierFs.Tiering.Config;
using TierFs.Tiering.Control;

namespace TierFs.Daemon;

// One run: scan, plan, one job per policy, the usage release.
public sealed partial class TieringDaemon
{
    /// <summary>
    /// Runs now (after the run under way, if any): scan, the policies (only
    /// <paramref name="policy"/> when given), and the usage release when all policies run. A dry
    /// run plans on the index as it is and changes nothing. Reports each job to
    /// <paramref name="sink"/> as "plan" (dry run) or "job" data. Returns the jobs run.
    /// </summary>
    public async Task<IReadOnlyList<JobRow>> RunAsync(string? policy, bool dryRun, IControlSink? sink, CancellationToken ct)
    {
        var policies = Policies.OrderBy(p => p.Priority).ThenBy(p => p.Name, StringComparer.Ordinal).ToList();
        if (policy is not null)
        {
            policies = policies.Where(p => p.Name == policy).ToList();
            if (policies.Count == 0) throw new ArgumentException($"no policy named '{policy}' (tierfs policy list shows them)");
        }
        await _oneRun.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var state = new RunState(dryRun ? 0 : Interlocked.Increment(ref _run), _clock.GetUtcNow());
            if (!dryRun) lock (_state) _current = state;
            try
            {
                return await RunLockedAsync(state, policies, all: policy is null, dryRun, sink, ct).ConfigureAwait(false);
            }
            finally
            {
                lock (_state) if (_current == state) _current = null;
            }
        }
        finally
        {
            _oneRun.Release();
        }
    }

    private async Task<List<JobRow>> RunLockedAsync(RunState state, List<PolicyConfig> policies, bool all, bool dryRun, IControlSink? sink, CancellationToken ct)
    {
        if (!dryRun)
        {
            var scan = await Task.Run(() => _scanner.Scan(new ScanOptions { Cancellation = ct }), ct).ConfigureAwait(false);
            lock (_state) _lastScan = scan;
            ct.ThrowIfCancellationRequested();
        }
        state.Phase = "planning";
        _index.Flush(); // plan on every record the engine wrote so far
        var jobs = _planner.Plan(policies, _clock.GetUtcNow()).Select(p => new PlannedJob(p.Policy.Name, "policy", p.Policy.Action, p.Files)).ToList();
        if (dryRun)
        {
            if (all && UsageRelease() is { } usage) jobs.Add(usage);
            foreach (var job in jobs) sink?.Data("plan", PlanJson(job));
            return [];
        }
        var done = new List<JobRow>();
        for (var i = 0; i < jobs.Count && !ct.IsCancellationRequested; i++)
        {
            state.Queue = jobs.Skip(i + 1).Select(j => (j.Name, j.Files.Count, j.Files.Sum(f => f.Size))).ToList();
            await RunReportedAsync(state, jobs[i], done, sink, ct).ConfigureAwait(false);
        }
        state.Queue = [];
        // After the policies: what they archived may be released now.
        if (all && !ct.IsCancellationRequested && UsageRelease() is { } release)
            await RunReportedAsync(state, release, done, sink, ct).ConfigureAwait(false);
        _index.Flush(); // the job history is readable once the run has returned
        ct.ThrowIfCancellationRequested();
        return done;
    }

    private async Task RunReportedAsync(RunState state, PlannedJob planned, List<JobRow> done, IControlSink? sink, CancellationToken ct)
    {
        if (planned.Files.Count == 0)
        {
            Log.Info(Source, $"policy {planned.Name}: matches nothing; skipped");
            sink?.Data("job", JsonSerializer.Serialize(new { policy = planned.Name, status = "skipped" }));
            return;
        }
        var job = await RunJobAsync(state, planned.Name, planned.Kind, planned.Action, planned.Files, ct).ConfigureAwait(false);
        done.Add(job);
        sink?.Data("job", JobJson(job));
    }

    /// <summary>usage_high/usage_low: the coldest archived files to release, or null when the filesystem is not too full.</summary>
    private PlannedJob? UsageRelease()
    {
        if (Schedule is not { UsageHigh: { } high, UsageLow: { } low }) return null;
        _index.Flush(); // what the policies just archived is releasable now
        var usage = _usage.Usage();
        var need = UsageTarget.BytesToFree(usage, high, low);
        if (need == 0) return null;
        var files = _planner.ColdestArchived(need, _clock.GetUtcNow());
        Log.Info(Source, $"backing filesystem {UsageTarget.Percent(usage):0.#}% full (above {high}%): releasing {files.Count} files " +
                         $"({files.Sum(f => f.Size)} of the {need} bytes needed to get below {low}%), coldest first");
        return new PlannedJob("usage", "usage", PolicyAction.Release, files);
    }

    private async Task<JobRow> RunJobAsync(RunState state, string name, string kind, PolicyAction action, IReadOnlyList<PolicyCandidate> files, CancellationToken ct)
    {
        var start = new JobRow
        {
            Id = _index.NewJobId(),
            Run = state.Run,
            Kind = kind,
            Policy = kind == "policy" ? name : null,
            Action = ActionName(action),
            StartedMs = _clock.GetUtcNow().ToUnixTimeMilliseconds(),
            Planned = files.Count,
            Status = JobRow.StatusRunning,
        };
        var progress = new JobProgress(start, files.Sum(f => f.Size));
        state.Job = progress;
        state.Phase = $"{kind} {name}";
        _index.PutJob(start);
        Log.Info(Source, $"job {start.Id} ({name}): {start.Action} of {files.Count} files, {progress.PlannedBytes} bytes");
        await _executor.RunAsync(files, Op(action), progress, ct).ConfigureAwait(false);
        var row = progress.Row(ct.IsCancellationRequested ? JobRow.StatusCancelled : JobRow.StatusDone, _clock.GetUtcNow().ToUnixTimeMilliseconds());
        _index.PutJob(row);
        state.Job = null;
        Log.Info(Source, $"job {row.Id} ({name}) {row.Status}: {row.Files} files, {row.Bytes} bytes, {row.Skipped} skipped, {row.Failed} failed in {row.Duration.TotalSeconds:0.0}s");
        return row;
    }

    internal static TierOp Op(PolicyAction action) => action switch
    {
        PolicyAction.Archive => TierOp.Archive,
        PolicyAction.Release => TierOp.Release,
        _ => TierOp.Migrate,
    };

    internal static string ActionName(PolicyAction action) => action.ToString().ToLowerInvariant();

    private static string PlanJson(PlannedJob job) =>
        JsonSerializer.Serialize(new
        {
            policy = job.Name,
            kind = job.Kind,
            action = ActionName(job.Action),
            files = job.Files.Count,
            bytes = job.Files.Sum(f => f.Size),
            paths = job.Files.Select(f => f.Path).ToList(),
        });

    internal static string JobJson(JobRow j) => JsonSerializer.Serialize(JobView(j));

    /// <summary>A job as `tierfs policy run` and `tierfs status` show it.</summary>
    private static object JobView(JobRow j) => new
    {
        id = j.Id,
        run = j.Run,
        kind = j.Kind,
        policy = j.Policy,
        action = j.Action,
        status = j.Status,
        started = j.StartedMs,
        finished = j.FinishedMs,
        seconds = Math.Round(j.Duration.TotalSeconds, 1),
        planned = j.Planned,
        files = j.Files,
        bytes = j.Bytes,
        skipped = j.Skipped,
        failed = j.Failed,
    };

    private sealed record PlannedJob(string Name, string Kind, PolicyAction Action, IReadOnlyList<PolicyCandidate> Files);
}
