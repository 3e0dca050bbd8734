using System.Text.Json;
using TierFs.Common;
using TierFs.Index;
using TierFs.Scan;
using TierFs.Tiering.Config;
using TierFs.Tiering.Control;
using TierFs.Tiering.Engine;

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
    /// <param name="retryNow">Files waiting for a retry (or given up after their retries) are taken now.</param>
    public async Task<IReadOnlyList<JobRow>> RunAsync(string? policy, bool dryRun, IControlSink? sink, CancellationToken ct, bool retryNow = false)
    {
        var policies = Policies.OrderBy(p => p.Priority).ThenBy(p => p.Name, StringComparer.Ordinal).ToList();
        if (policy is not null)
        {
            policies = policies.Where(p => p.Name == policy).ToList();
            if (policies.Count == 0) throw new ArgumentException($"no policy named '{policy}' (tierfs policy list shows them)");
        }
        if (ReadOnly && !dryRun) throw new InvalidOperationException("the mount is read-only (-o ro): policies do not move files (--dry-run shows what they would do)");
        await _oneRun.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var state = new RunState(dryRun ? 0 : _jobs.NextRun(), _clock.GetUtcNow());
            if (!dryRun) lock (_state) _current = state;
            try
            {
                return await RunLockedAsync(state, policies, all: policy is null, dryRun, retryNow, sink, ct).ConfigureAwait(false);
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

    private async Task<List<JobRow>> RunLockedAsync(RunState state, List<PolicyConfig> policies, bool all, bool dryRun, bool retryNow, IControlSink? sink, CancellationToken ct)
    {
        if (!dryRun)
        {
            var scan = await ScanOnOwnThread(new ScanOptions { Cancellation = ct }, ct).ConfigureAwait(false);
            lock (_state) _lastScan = scan;
            ct.ThrowIfCancellationRequested();
            HandBackExpired();
        }
        state.Phase = "planning";
        var now = _clock.GetUtcNow();
        var plan = _planner.Plan(policies, now, retryNow);
        var jobs = plan.Select(p => new PlannedJob(p.Policy.Name, "policy", p.Policy.Action, p.Files)).ToList();
        // Only someone asking (tierfs policy run) is told why matching files are held back: it costs a second pass per policy.
        if (sink is not null)
        {
            var claimed = plan.SelectMany(p => p.Files.Select(f => f.Key)).ToHashSet();
            for (var i = 0; i < jobs.Count; i++)
            {
                jobs[i].Held.Add(_planner.HeldBack(plan[i].Policy, claimed, now, retryNow));
                if (dryRun) jobs[i] = WithoutOpenFiles(jobs[i]);
            }
        }
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
            await RunReportedAsync(state, jobs[i], done, retryNow, sink, ct).ConfigureAwait(false);
        }
        state.Queue = [];
        // After the policies: what they archived may be released now.
        if (all && !ct.IsCancellationRequested && UsageRelease() is { } release)
            await RunReportedAsync(state, release, done, retryNow, sink, ct).ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
        return done;
    }

    // A dry run moves nothing, so it asks now what a run would find: files open through the mount are passed over.
    private PlannedJob WithoutOpenFiles(PlannedJob job)
    {
        if (!JobExecutor.SparesOpenFiles(Op(job.Action))) return job;
        var open = job.Files.Where(f => _mover.InUse(f.Key)).ToHashSet();
        if (open.Count == 0) return job;
        foreach (var f in open) job.Held.Add(JobExecutor.OpenReason, f.Path);
        return job with { Files = job.Files.Where(f => !open.Contains(f)).ToList() };
    }

    private async Task RunReportedAsync(RunState state, PlannedJob planned, List<JobRow> done, bool retryNow, IControlSink? sink, CancellationToken ct)
    {
        if (planned.Files.Count == 0)
        {
            Log.Info(Source, $"policy {planned.Name}: nothing to move; skipped");
            sink?.Data("job", JsonSerializer.Serialize(new { policy = planned.Name, status = "skipped", held = HeldTally.View(planned.Held.Groups()) }));
            return;
        }
        var report = new JobReport(sink);
        report.Held.Add(planned.Held.Groups());
        sink?.Data("job-start", JsonSerializer.Serialize(new { policy = planned.Name, action = ActionName(planned.Action), files = planned.Files.Count, bytes = planned.Files.Sum(f => f.Size) }));
        var job = await RunJobAsync(state, planned.Name, planned.Kind, planned.Action, planned.Files, report, retryNow, ct).ConfigureAwait(false);
        done.Add(job);
        sink?.Data("job", JobJson(job, report.Held.Groups()));
    }

    /// <summary>usage_high/usage_low: the coldest archived files to release, or null when the filesystem is not too full.</summary>
    private PlannedJob? UsageRelease()
    {
        if (Schedule is not { UsageHigh: { } high, UsageLow: { } low }) return null;
        var usage = _usage.Usage();
        var need = UsageTarget.BytesToFree(usage, high, low);
        if (need == 0) return null;
        var files = _planner.ColdestArchived(need, _clock.GetUtcNow());
        Log.Info(Source, $"backing filesystem {UsageTarget.Percent(usage):0.#}% full (above {high}%): releasing {files.Count} files " +
                         $"({files.Sum(f => f.Size)} of the {need} bytes needed to get below {low}%), coldest first");
        return new PlannedJob("usage", "usage", PolicyAction.Release, files);
    }

    private async Task<JobRow> RunJobAsync(RunState state, string name, string kind, PolicyAction action, IReadOnlyList<PolicyCandidate> files,
        JobReport report, bool retryNow, CancellationToken ct)
    {
        var start = _jobs.StartJob(new JobRow
        {
            Id = 0, // the store gives it
            Run = state.Run,
            Kind = kind,
            Policy = kind == "policy" ? name : null,
            Action = ActionName(action),
            StartedMs = _clock.GetUtcNow().ToUnixTimeMilliseconds(),
            Planned = files.Count,
            Status = JobRow.StatusRunning,
        });
        var progress = new JobProgress(start, files.Sum(f => f.Size));
        state.Job = progress;
        state.Phase = $"{kind} {name}";
        Log.Info(Source, $"job {start.Id} ({name}): {start.Action} of {files.Count} files, {progress.PlannedBytes} bytes");
        OpLog?.Invoke(new LogLine(JobStartOp, name, null, progress.PlannedBytes, TimeSpan.Zero));
        // A job that failed as a whole (its store unwritable, say) ends interrupted, its claims released, not running for ever.
        var status = JobRow.StatusInterrupted;
        JobRow row;
        try
        {
            await _executor.RunAsync(start, name, files, Op(action), progress, report, retryNow, ct).ConfigureAwait(false);
            status = ct.IsCancellationRequested ? JobRow.StatusCancelled : JobRow.StatusDone;
        }
        finally
        {
            row = progress.Row(status, _clock.GetUtcNow().ToUnixTimeMilliseconds());
            _jobs.FinishJob(row);
            state.Job = null;
        }
        Log.Info(Source, $"job {row.Id} ({name}) {row.Status}: {row.Files} files, {row.Bytes} bytes, {row.Skipped} skipped, {row.Failed} failed in {row.Duration.TotalSeconds:0.0}s");
        OpLog?.Invoke(new LogLine(JobEndOp, name, null, row.Bytes, row.Duration, JobEndError(row)));
        return row;
    }

    /// <summary>The operation log's entries for a job: its policy's name as the path, its bytes (planned at the start, moved at the end).</summary>
    public const string JobStartOp = "job-start";
    public const string JobEndOp = "job-end";

    /// <summary>A job-end entry is a success when the job ran to its end and no file failed.</summary>
    private static string? JobEndError(JobRow row) =>
        row.Status != JobRow.StatusDone ? $"{row.Status}: {row.Files} of {row.Planned} files done"
        : row.Failed > 0 ? $"{row.Failed} of {row.Planned} files failed"
        : null;

    /// <summary>
    /// Claims left by a daemon that died (or hung past its lease) go back, and its jobs are marked
    /// interrupted, before this run plans: their files are taken again.
    /// </summary>
    private void HandBackExpired()
    {
        var back = _jobs.HandBackExpired();
        foreach (var job in back.Jobs)
            Log.Warn(Source, $"job {job.Id} ({job.Policy ?? job.Kind}) of {job.Owner ?? "an earlier daemon"} was interrupted (its lease ran out): " +
                             $"{job.Files} of {job.Planned} files done");
        foreach (var owner in back.Claims.GroupBy(c => c.Owner))
            Log.Warn(Source, $"handed back {owner.Count()} files claimed by {owner.Key} (its lease ran out)");
    }

    internal static TierOp Op(PolicyAction action) => action switch
    {
        PolicyAction.Archive => TierOp.Archive,
        PolicyAction.Release => TierOp.Release,
        PolicyAction.Recall => TierOp.Recall,
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
            held = HeldTally.View(job.Held.Groups()),
        });

    private static string JobJson(JobRow j, IReadOnlyList<HeldGroup> held)
    {
        var view = JsonSerializer.SerializeToNode(JobView(j))!.AsObject();
        view["held"] = JsonSerializer.SerializeToNode(HeldTally.View(held));
        return view.ToJsonString();
    }

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
        owner = j.Owner,
    };

    /// <summary>A job to run; <see cref="Held"/> gathers the files its policy matched but holds back.</summary>
    private sealed record PlannedJob(string Name, string Kind, PolicyAction Action, IReadOnlyList<PolicyCandidate> Files)
    {
        public HeldTally Held { get; } = new();
    }
}
