using TierFs.Common;
using TierFs.Daemon.Jobs;
using TierFs.Scan;
using TierFs.Tiering.Config;
using TierFs.Tiering.Control;
using TierFs.Tiering.Engine;
using TierFs.Tiering.Movers;

namespace TierFs.Daemon;

/// <summary>
/// The tiering daemon of one mount: every interval (inside the window, if one is set) an
/// incremental scan, then the policies in priority order, each a job whose files the mount's pool
/// of movers moves (shared with the administrator's commands), then the usage release. Its jobs,
/// claims and retries are kept in an <see cref="IJobStore"/>. Runs one at a time; `tierfs policy run` asks for one
/// now. With Periodic false (`--no-daemon`) nothing starts by itself. The configuration may be
/// replaced while it runs (`tierfs reload`): the next run is planned again at once, a job under
/// way finishes with the schedule it started with.
/// </summary>
public sealed partial class TieringDaemon : IDisposable
{
    private const string Source = "daemon";

    private readonly ConfigHolder _configs;
    private readonly IJobStore _jobs;
    private readonly IPolicyPlanner _planner;
    private readonly ITreeScanner _scanner;
    private readonly IFileMover _mover;
    private readonly IUsageProbe _usage;
    private readonly TimeProvider _clock;
    private readonly JobExecutor _executor;
    private readonly SemaphoreSlim _oneRun = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _state = new();
    private Task _loop = Task.CompletedTask;
    // What `tierfs status` shows; guarded by _state.
    private RunState? _current;
    private DateTimeOffset? _nextRun;
    private long _ticks, _ticksOutsideWindow;
    private ScanResult? _lastScan;
    // Cancelled by a reload: the loop plans its next run with the new schedule.
    private CancellationTokenSource? _wake;

    public TieringDaemon(TierFsConfig config, IJobStore jobs, IPolicyPlanner planner, ITreeScanner scanner, IFileMover mover,
        IUsageProbe usage, TimeProvider? clock = null, MoverPool? movers = null)
        : this(new ConfigHolder(config), jobs, planner, scanner, mover, usage, clock, movers)
    {
    }

    /// <param name="jobs">Where jobs, claims and retries are kept (the daemon uses nothing else for them).</param>
    /// <param name="movers">The mount's one pool of movers, shared with the commands (default: a pool of its own, `schedule.workers`).</param>
    public TieringDaemon(ConfigHolder config, IJobStore jobs, IPolicyPlanner planner, ITreeScanner scanner, IFileMover mover,
        IUsageProbe usage, TimeProvider? clock = null, MoverPool? movers = null)
    {
        _configs = config;
        _jobs = jobs;
        _planner = planner;
        _scanner = scanner;
        _mover = mover;
        _usage = usage;
        _clock = clock ?? TimeProvider.System;
        Movers = movers ?? new MoverPool(config);
        _executor = new JobExecutor(jobs, mover, Movers, () => Schedule, _clock);
        _configs.Changed += _ => Wake();
    }

    /// <summary>The workers the jobs' files are moved by, shared with the commands (`tierfs status` shows them).</summary>
    public MoverPool Movers { get; }

    public ScheduleConfig Schedule => _configs.Current.Schedule;
    public IReadOnlyList<PolicyConfig> Policies => _configs.Current.Policies;
    public bool Periodic { get; private set; }

    /// <summary>A read-only mount (-o ro): no policy moves files (dry runs still plan), nothing starts by itself.</summary>
    public bool ReadOnly { get; set; }

    /// <summary>The engine's transfers under way, shown by `tierfs status` (none when not set).</summary>
    public TransferRegistry? Transfers { get; set; }

    /// <summary>Where a job's start and end are entered in the mount's operation log (none when not set).</summary>
    public Action<LogLine>? OpLog { get; set; }

    /// <summary>The engine's recalls running and queued against their limits, shown by `tierfs status` (none when not set).</summary>
    public RecallSlots? Recalls { get; set; }

    /// <summary>Starts the periodic runs: the first one interval from now (or at the window's start).</summary>
    public void Start()
    {
        if (ReadOnly)
        {
            Log.Info(Source, "read-only mount: the policies do not run (tierfs policy run --dry-run still plans)");
            return;
        }
        Periodic = true;
        // Planned here too, not only on the loop's thread: status shows it at once, and the local
        // time zone is read (a file) while the mount starts rather than at some moment later.
        var first = NextRun(Schedule);
        lock (_state) _nextRun = first;
        _loop = Task.Run(LoopAsync);
        Log.Info(Source, $"started: every {Units.FormatDuration(Schedule.Interval)}{(Schedule.Window is { } w ? $" within {w}" : "")}, " +
                         $"{Policies.Count} policies, {Schedule.Workers} workers" +
                         (Schedule.UsageHigh is { } h ? $", release above {h}% until {Schedule.UsageLow}%" : ""));
    }

    private void Wake()
    {
        lock (_state) _wake?.Cancel();
    }

    private DateTimeOffset NextRun(ScheduleConfig schedule) => RunTimes.Next(_clock.GetLocalNow(), schedule.Interval, schedule.Window, _clock.LocalTimeZone);

    private async Task LoopAsync()
    {
        var ct = _stopping.Token;
        while (!ct.IsCancellationRequested)
        {
            // Listening for a reload before reading the schedule: none is missed in between.
            using var wake = CancellationTokenSource.CreateLinkedTokenSource(ct);
            lock (_state) _wake = wake;
            var schedule = Schedule;
            var next = NextRun(schedule);
            lock (_state) _nextRun = next;
            try
            {
                var wait = next - _clock.GetUtcNow();
                if (wait > TimeSpan.Zero) await Task.Delay(wait, _clock, wake.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                continue; // a reload: plan the next run with the new schedule
            }
            catch (OperationCanceledException) { break; }
            finally
            {
                lock (_state) _wake = null;
            }
            // Planned inside the window, but the clock may have jumped (suspend, a time change).
            var inWindow = schedule.Window is not { } window || window.Contains(TimeOnly.FromDateTime(_clock.GetLocalNow().DateTime));
            lock (_state)
            {
                _ticks++;
                if (!inWindow) _ticksOutsideWindow++;
            }
            if (!inWindow)
            {
                Log.Debug(Source, $"outside the window {schedule.Window}: nothing started");
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
