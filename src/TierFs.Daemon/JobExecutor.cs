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
internal sealed class JobExecutor(TierIndex index, IFileMover mover, Tiering.Config.ScheduleConfig schedule, TimeProvider clock)
{
    private const string Source = "daemon";
    private static readonly TimeSpan OpenPoll = TimeSpan.FromMilliseconds(50);

    public async Task RunAsync(IReadOnlyList<PolicyCandidate> files, TierOp op, JobProgress progress, CancellationToken ct)
    {
        var retries = RetryGate.Load(index, schedule, clock.GetUtcNow());
        var options = new ParallelOptions { MaxDegreeOfParallelism = schedule.Workers, CancellationToken = ct };
        try
        {
            await Parallel.ForEachAsync(files, options, async (file, token) =>
            {
                // The planner passed these over already; a plan made before their failure may still hold them.
                if (retries.Waits(file.Key, file.MtimeNs))
                {
                    progress.Skip();
                    return;
                }
                var result = await MoveAsync(file, op, progress, token).ConfigureAwait(false);
                switch (result.Outcome)
                {
                    case PolicyOutcome.Done:
                        progress.Done(result.Bytes);
                        if (retries.HasRow(file.Key)) index.ClearRetry(file.Key);
                        break;
                    case PolicyOutcome.Skipped:
                        progress.Skip();
                        Log.Debug(Source, $"{op.ToString().ToLowerInvariant()} {file.Path}: skipped, {result.Reason}");
                        break;
                    default:
                        progress.Fail();
                        Failed(file, retries.Previous(file.Key, file.MtimeNs), result.Reason);
                        break;
                }
            }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
    }

    private async Task<PolicyFileResult> MoveAsync(PolicyCandidate file, TierOp op, JobProgress progress, CancellationToken ct)
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
            return PolicyFileResult.Skip("opened by a user (abandoned)");
        }
        // Parts finish on several threads; each report is the file's running total.
        var report = new Progress(done => progress.Moving(done - Interlocked.Exchange(ref reported, done)));
        try
        {
            var result = await mover.MoveAsync(file, op, schedule.MinAge, report, userWins.Token).ConfigureAwait(false);
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

    private void Failed(PolicyCandidate file, RetryRow? previous, string? reason)
    {
        var attempts = (previous?.Attempts ?? 0) + 1;
        var delay = schedule.RetryBackoff * Math.Pow(2, attempts - 1);
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
