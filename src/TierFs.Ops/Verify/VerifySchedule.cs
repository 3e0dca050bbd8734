using TierFs.Common;
using TierFs.Daemon;
using TierFs.Tiering.Config;

namespace TierFs.Ops.Verify;

/// <summary>
/// The daemon's scheduled verify (`verify: interval, window, level`): a run every interval, never
/// outside the window; a reload plans the next one again. Off while no interval is configured.
/// </summary>
public sealed class VerifySchedule(Verifier verifier, ConfigHolder configs, TimeProvider? clock = null) : IDisposable
{
    private const string Source = "verify";
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly CancellationTokenSource _stopping = new();
    private CancellationTokenSource? _wake;
    private readonly Lock _gate = new();
    private Task _loop = Task.CompletedTask;

    /// <summary>When the next scheduled run starts (null: none is scheduled).</summary>
    public DateTimeOffset? NextRun { get; private set; }

    public void Start()
    {
        configs.Changed += _ =>
        {
            lock (_gate) _wake?.Cancel();
        };
        _loop = Task.Run(LoopAsync);
    }

    private async Task LoopAsync()
    {
        var ct = _stopping.Token;
        while (!ct.IsCancellationRequested)
        {
            using var wake = CancellationTokenSource.CreateLinkedTokenSource(ct);
            lock (_gate) _wake = wake;
            var config = configs.Current.Verify;
            NextRun = config.Interval is { } interval ? RunTimes.Next(_clock.GetLocalNow(), interval, config.Window, _clock.LocalTimeZone) : null;
            try
            {
                var wait = NextRun is { } next ? next - _clock.GetUtcNow() : Timeout.InfiniteTimeSpan;
                if (wait != Timeout.InfiniteTimeSpan && wait < TimeSpan.Zero) wait = TimeSpan.Zero;
                await Task.Delay(wait, _clock, wake.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested) { continue; } // a reload
            catch (OperationCanceledException) { break; }
            finally
            {
                lock (_gate) _wake = null;
            }
            if (RunTimes.Paused(_clock.GetUtcNow(), config.Window, _clock.LocalTimeZone)) continue;
            try
            {
                await verifier.RunAsync(new VerifyRequest(config.Level, [], Repair: false, DryRun: false, "schedule"), null, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { break; }
            catch (Exception e) { Log.Error(Source, "a scheduled verify failed", e); }
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        try { _loop.Wait(TimeSpan.FromSeconds(30)); }
        catch (AggregateException) { }
    }
}
