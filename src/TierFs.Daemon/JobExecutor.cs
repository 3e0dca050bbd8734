using TierFs.Common;
using TierFs.Index;
using TierFs.Tiering.Control;
using TierFs.Tiering.Engine;

namespace TierFs.Daemon;

/// <summary>
/// Moves a job's files with a pool of workers, in the order given (large files first by
/// default, so small ones are not stuck behind them at the end). A file a user opens meanwhile
/// is abandoned at once; a failed file is retried in later runs after a growing delay, at most
/// Retries times (at once if its data changed since).
/// </summary>
internal sealed class JobExecutor(TierIndex index, IFileMover mover, Func<Tiering.Config.ScheduleConfig> currentSchedule, TimeProvider clock)
{
    private const string Source = "daemon";
    private static readonly TimeSpan OpenPoll = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromDays(30);

    /// <param name="retryNow">Files waiting for a retry are tried now (`tierfs policy run --retry-now`).</param>
    public async Task RunAsync(IReadOnlyList<PolicyCandidate> files, TierOp op, JobProgress progress, JobReport report, bool retryNow, CancellationToken ct)
    {
        // One schedule for the whole job, even if a reload replaces it meanwhile.
        var schedule = currentSchedule();
        var retries = RetryGate.Load(index, schedule, clock.GetUtcNow(), retryNow);
        var options = new ParallelOptions { MaxDegreeOfParallelism = schedule.Workers, CancellationToken = ct };
        try
        {
            await Parallel.ForEachAsync(files, options, async (file, token) =>
            {
                // The planner passed these over already; a plan made before their failure may still hold them.
                if (retries.Why(file.Key, file.MtimeNs) is { } wait)
                {
                    progress.Skip();
                    report.Skipped(file, wait.Reason, wait.Detail);
                    return;
                }
                // The engine refuses it too; asked here, the reason is the same for every such file.
                if (mover.InUse(file.Key))
                {
                    progress.Skip();
                    report.Skipped(file, OpenReason);
                    return;
                }
                var result = await MoveAsync(file, op, schedule, progress, report, token).ConfigureAwait(false);
                switch (result.Outcome)
                {
                    case PolicyOutcome.Done:
                        progress.Done(result.Bytes);
                        report.Done(file, result.State);
                        if (retries.HasRow(file.Key)) index.ClearRetry(file.Key);
                        break;
                    case PolicyOutcome.Skipped:
                        progress.Skip();
                        report.Skipped(file, result.Reason ?? "skipped");
                        Log.Debug(Source, $"{op.ToString().ToLowerInvariant()} {file.Path}: skipped, {result.Reason}");
                        break;
                    default:
                        progress.Fail();
                        report.Failed(file, result.Reason);
                        Failed(file, schedule, retries.Previous(file.Key, file.MtimeNs), result.Reason);
                        break;
                }
            }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
    }

    /// <summary>Why a file open through the mount is held back (the daemon never moves a file in use).</summary>
    public const string OpenReason = "open through the mount";

    private async Task<PolicyFileResult> MoveAsync(PolicyCandidate file, TierOp op, Tiering.Config.ScheduleConfig schedule, JobProgress progress, JobReport report,
        CancellationToken ct)
    {
        using var userWins = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // The engine sees no opens made through the mount while it uploads: watch for them.
        using var watch = new Timer(_ =>
        {
            if (mover.InUse(file.Key)) userWins.Cancel();
        }, null, OpenPoll, OpenPoll);
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

    private void Failed(PolicyCandidate file, Tiering.Config.ScheduleConfig schedule, RetryRow? previous, string? reason)
    {
        var attempts = (previous?.Attempts ?? 0) + 1;
        // Doubling from a long backoff would overflow a TimeSpan after a few dozen attempts.
        var delay = TimeSpan.FromTicks((long)Math.Min(schedule.RetryBackoff.Ticks * Math.Pow(2, attempts - 1), MaxRetryDelay.Ticks));
        var next = NowMs() + (long)delay.TotalMilliseconds;
        index.PutRetry(new RetryRow(file.Key, file.MtimeNs, attempts, next, reason));
        Log.Warn(Source, attempts > schedule.Retries
            ? $"{file.Path}: {reason}; failed {attempts} times, not tried again until it changes"
            : $"{file.Path}: {reason}; retry {attempts} of {schedule.Retries} after {delay.TotalMinutes:0.#} min");
    }

    private long NowMs() => clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Reports synchronously on the worker's thread (System.Progress would post to the pool, out of order).</summary>
    private sealed class Progress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
