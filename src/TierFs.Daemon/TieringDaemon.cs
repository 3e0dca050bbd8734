using TierFs.Common;
using TierFs.Index;
using TierFs.Scan;
using TierFs.Tiering.Config;
using TierFs.Tiering.Control;

namespace TierFs.Daemon;

/// <summary>
/// The tiering daemon of one mount: every interval (inside the window, if one is set) an
/// incremental scan, then the policies in priority order, each a job whose files a pool of
/// workers moves, then the usage release. Runs one at a time; `tierfs policy run` asks for one
/// now. With Periodic false (`--no-daemon`) nothing starts by itself.
/// </summary>
public sealed partial class TieringDaemon : IDisposable
{
    private const string Source = "daemon";

    private readonly TierFsConfig _config;
    private readonly TierIndex _index;
    private readonly IPolicyPlanner _planner;
    private readonly ITreeScanner _scanner;
    private readonly IUsageProbe _usage;
    private readonly TimeProvider _clock;
    private readonly JobExecutor _executor;
    private readonly SemaphoreSlim _oneRun = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _state = new();
    private Task _loop = Task.CompletedTask;
    private long _run;
    // What `tierfs status` shows; guarded by _state.
    private RunState? _current;
    private DateTimeOffset? _nextRun;
    private long _ticks, _ticksOutsideWindow;
    private ScanResult? _lastScan;

    public TieringDaemon(TierFsConfig config, TierIndex index, IPolicyPlanner planner, ITreeScanner scanner, IFileMover mover,
        IUsageProbe usage, TimeProvider? clock = null)
    {
        _config = config;
        _index = index;
        _planner = planner;
        _scanner = scanner;
        _usage = usage;
        _clock = clock ?? TimeProvider.System;
        _executor = new JobExecutor(index, mover, config.Schedule, _clock);
        _run = index.LastRun();
    }

    public ScheduleConfig Schedule => _config.Schedule;
    public IReadOnlyList<PolicyConfig> Policies => _config.Policies;
    public bool Periodic { get; private set; }

    /// <summary>Starts the periodic runs: the first one interval from now.</summary>
    public void Start()
    {
        Periodic = true;
        _loop = Task.Run(LoopAsync);
        Log.Info(Source, $"started: every {Units.FormatDuration(Schedule.Interval)}{(Schedule.Window is { } w ? $" within {w}" : "")}, " +
                         $"{Policies.Count} policies, {Schedule.Workers} workers" +
                         (Schedule.UsageHigh is { } h ? $", release above {h}% until {Schedule.UsageLow}%" : ""));
    }

    private async Task LoopAsync()
    {
        var ct = _stopping.Token;
        while (!ct.IsCancellationRequested)
        {
            var next = _clock.GetUtcNow() + Schedule.Interval;
            lock (_state) _nextRun = next;
            try
            {
                await Task.Delay(Schedule.Interval, _clock, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) { break; }
            var inWindow = Schedule.Window is not { } window || window.Contains(TimeOnly.FromDateTime(_clock.GetLocalNow().DateTime));
            lock (_state)
            {
                _ticks++;
                if (!inWindow) _ticksOutsideWindow++;
            }
            if (!inWindow)
            {
                Log.Debug(Source, $"outside the window {Schedule.Window}: nothing started");
                continue;
            }
            try
            {
                await RunAsync(null, dryRun: false, sink: null, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { break; }
            catch (Exception e)
            {
                Log.Error(Source, "a periodic run failed", e);
            }
        }
    }

    /// <summary>Stops the periodic runs and cancels the one under way (its files are left as they are).</summary>
    public void Dispose()
    {
        _stopping.Cancel();
        try { _loop.Wait(TimeSpan.FromSeconds(30)); }
        catch (AggregateException) { }
    }
}
