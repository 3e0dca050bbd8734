using TierFs.Common;
using TierFs.Daemon.Jobs;
using TierFs.Index;
using TierFs.Tiering.Config;
using TierFs.Tiering.Control;
using TierFs.Tiering.Engine;
using TierFs.Tiering.Movers;

namespace TierFs.Daemon;

/// <summary>
/// Moves a job's files on the mount's pool of movers (shared with the administrator's commands),
/// in the order given (large files first by default, so small ones are not stuck behind them at
/// the end). The job claims its files in the job store first and moves only those it holds,
/// renewing its lease while it runs. A file a user opens meanwhile is abandoned at once (a recall
/// goes on: the user's open joins it); a failed file is retried in later runs after a growing
/// delay, at most Retries times (at once if its data changed since).
/// </summary>
internal sealed class JobExecutor(IJobStore jobs, IFileMover mover, MoverPool movers, Func<ScheduleConfig> currentSchedule, TimeProvider clock)
{
    private const string Source = "daemon";
    private static readonly TimeSpan OpenPoll = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromDays(30);

    /// <param name="retryNow">Files waiting for a retry are tried now (`tierfs policy run --retry-now`).</param>
    public async Task RunAsync(JobRow job, string name, IReadOnlyList<PolicyCandidate> files, TierOp op, JobProgress progress, JobReport report, bool retryNow,
        CancellationToken ct)
    {
        // One schedule for the whole job, even if a reload replaces it meanwhile (the pool's limit follows the reload).
        var schedule = currentSchedule();
        var retries = RetryGate.Load(jobs, schedule, clock.GetUtcNow(), retryNow);
        var claim = jobs.Claim(job.Id, files.Select(f => f.Id).Distinct(StringComparer.Ordinal).ToList());
        var refused = claim.Refused.ToDictionary(c => c.File, StringComparer.Ordinal);
        IReadOnlySet<string> held = claim.Granted.ToHashSet(StringComparer.Ordinal);
        // Renewed well within the lease while the job runs; a claim it lost (a hung daemon whose lease ran out) is not started.
        var renewEvery = jobs.Lease / 3;
        // A renewal still running when the job ends must not write its "running" row after the final one.
        var renewing = new Lock();
        var over = false;
        using var renew = clock.CreateTimer(_ =>
        {
            lock (renewing)
            {
                if (over) return;
                try
                {
                    Volatile.Write(ref held, jobs.Renew(job.Id));
                    jobs.UpdateJob(progress.Row(JobRow.StatusRunning, 0));
                }
                catch (Exception e) when (e is IndexException or ObjectDisposedException or InvalidOperationException)
                {
                    Log.Warn(Source, $"job {job.Id}: cannot renew its lease: {e.Message}");
                }
            }
        }, null, renewEvery, renewEvery);
        try
        {
            await movers.RunAsync($"job {job.Id} ({name})", SubmitterKind.Job, files, async (file, token) =>
            {
                if (refused.TryGetValue(file.Id, out var other))
                {
                    progress.Skip();
                    report.Skipped(file, ClaimedReason, $"by job {other.Job} of {other.Owner} until {Local(other.ExpiresMs)}");
                    return;
                }
                if (!Volatile.Read(ref held).Contains(file.Id))
                {
                    progress.Skip();
                    report.Skipped(file, ClaimedReason, "this job's lease ran out: handed back");
                    return;
                }
                try
                {
                    await MoveClaimedAsync(file, op, schedule, retries, progress, report, token).ConfigureAwait(false);
                }
                finally
                {
                    jobs.Release(job.Id, file.Id);
                }
            }, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        finally
        {
            lock (renewing) over = true;
        }
    }

    /// <summary>Why a file another job holds (or took over) is held back.</summary>
    public const string ClaimedReason = "claimed by another job";

    /// <summary>Why a file open through the mount is held back (the daemon never moves a file in use).</summary>
    public const string OpenReason = "open through the mount";

    /// <summary>
    /// Whether <paramref name="op"/> leaves files open through the mount alone (and gives up a file
    /// opened meanwhile): every op that takes data away. A recall brings it back: an opener of the
    /// stub waits for that very recall (it joins it), so a recall neither waits for users nor yields to them.
    /// </summary>
    public static bool SparesOpenFiles(TierOp op) => op != TierOp.Recall;

    private async Task MoveClaimedAsync(PolicyCandidate file, TierOp op, ScheduleConfig schedule, RetryGate retries, JobProgress progress, JobReport report,
        CancellationToken ct)
    {
        // The planner passed these over already; a plan made before their failure may still hold them.
        if (retries.Why(file.FileId, file.Key, file.MtimeNs) is { } wait)
        {
            progress.Skip();
            report.Skipped(file, wait.Reason, wait.Detail);
            return;
        }
        // The engine refuses it too; asked here, the reason is the same for every such file.
        if (SparesOpenFiles(op) && mover.InUse(file.Key))
        {
            progress.Skip();
            report.Skipped(file, OpenReason);
            return;
        }
        var result = await MoveAsync(file, op, schedule, progress, report, ct).ConfigureAwait(false);
        switch (result.Outcome)
        {
            case PolicyOutcome.Done:
                progress.Done(result.Bytes);
                report.Done(file, result.State);
                foreach (var row in retries.Rows(file.FileId, file.Key)) jobs.ClearRetry(row.File);
                break;
            case PolicyOutcome.Skipped:
                progress.Skip();
                report.Skipped(file, result.Reason ?? "skipped");
                Log.Debug(Source, $"{op.ToString().ToLowerInvariant()} {file.Path}: skipped, {result.Reason}");
                break;
            default:
                progress.Fail();
                report.Failed(file, result.Reason);
                Failed(file, schedule, retries.Previous(file.FileId, file.Key, file.MtimeNs), result.Reason);
                break;
        }
    }

    private async Task<PolicyFileResult> MoveAsync(PolicyCandidate file, TierOp op, ScheduleConfig schedule, JobProgress progress, JobReport report,
        CancellationToken ct)
    {
        using var userWins = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // The engine sees no opens made through the mount while it uploads: watch for them.
        using var watch = SparesOpenFiles(op)
            ? new Timer(_ =>
            {
                if (mover.InUse(file.Key)) userWins.Cancel();
            }, null, OpenPoll, OpenPoll)
            : null;
        var reported = 0L;
        bool UserOpened() => userWins.IsCancellationRequested && !ct.IsCancellationRequested;
        PolicyFileResult Abandoned()
        {
            Log.Info(Source, $"{file.Path}: opened by a user during its {op.ToString().ToLowerInvariant()}; abandoned");
            return PolicyFileResult.Skip($"{OpenReason} (opened during its {op.ToString().ToLowerInvariant()}, abandoned)");
        }
        // Parts finish on several threads; each report is the file's running total.
        var moved = new Progress(done =>
        {
            progress.Moving(done - Interlocked.Exchange(ref reported, done));
            report.Moving(file, done);
        });
        try
        {
            var result = await mover.MoveAsync(file, op, schedule.MinAge, moved, userWins.Token).ConfigureAwait(false);
            return UserOpened() ? Abandoned() : result;
        }
        catch (OperationCanceledException) when (UserOpened())
        {
            return Abandoned();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            return new PolicyFileResult(PolicyOutcome.Failed, e.Message, 0);
        }
        finally
        {
            progress.Moving(-Interlocked.Read(ref reported));
        }
    }

    private void Failed(PolicyCandidate file, ScheduleConfig schedule, RetryRow? previous, string? reason)
    {
        var attempts = (previous?.Attempts ?? 0) + 1;
        // Doubling from a long backoff would overflow a TimeSpan after a few dozen attempts.
        var delay = TimeSpan.FromTicks((long)Math.Min(schedule.RetryBackoff.Ticks * Math.Pow(2, attempts - 1), MaxRetryDelay.Ticks));
        var next = clock.GetUtcNow().ToUnixTimeMilliseconds() + (long)delay.TotalMilliseconds;
        jobs.PutRetry(new RetryRow(file.Id, file.MtimeNs, attempts, next, reason));
        // Recorded by its inode before it had a record: from now on by its id.
        if (previous is not null && previous.File != file.Id) jobs.ClearRetry(previous.File);
        Log.Warn(Source, attempts > schedule.Retries
            ? $"{file.Path}: {reason}; failed {attempts} times, not tried again until it changes"
            : $"{file.Path}: {reason}; retry {attempts} of {schedule.Retries} after {delay.TotalMinutes:0.#} min");
    }

    private static string Local(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss");

    /// <summary>Reports synchronously on the worker's thread (System.Progress would post to the pool, out of order).</summary>
    private sealed class Progress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
