namespace TierFs.Ops;

/// <summary>
/// One collection of the mount's numbers shared by every request that comes while it runs or soon
/// after: a collection counts every file in the index (seconds on a large one) and commits the
/// index's pending writes, and the listener answers anyone who can reach it, so without this each
/// request, or a user's loop of them, would run one. A result is reused while it is younger than
/// <see cref="MinFresh"/> or four times what collecting it took (a slow index is asked less often),
/// at most <see cref="MaxFresh"/>. Thread-safe.
/// </summary>
public sealed class SnapshotCache(Func<CancellationToken, Task<OpsSnapshot>> collect, TimeProvider? time = null)
{
    public static readonly TimeSpan MinFresh = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxFresh = TimeSpan.FromSeconds(30);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task<OpsSnapshot>? _running;
    private (OpsSnapshot Snapshot, long At, TimeSpan Fresh)? _last;
    private long _collections;

    /// <summary>Collections run so far.</summary>
    public long Collections => Interlocked.Read(ref _collections);

    /// <summary>How long the last collection took (zero before the first).</summary>
    public TimeSpan LastDuration { get; private set; }

    /// <summary>A snapshot no older than its freshness; <paramref name="ct"/> ends this caller's wait, not the shared collection.</summary>
    public Task<OpsSnapshot> GetAsync(CancellationToken ct)
    {
        Task<OpsSnapshot> running;
        lock (_lock)
        {
            if (_last is { } last && _time.GetElapsedTime(last.At) < last.Fresh) return Task.FromResult(last.Snapshot);
            running = _running ??= Collect();
        }
        return running.WaitAsync(ct);
    }

    private async Task<OpsSnapshot> Collect()
    {
        await Task.Yield(); // the caller holds the lock: the collection runs outside it
        var started = _time.GetTimestamp();
        try
        {
            // Not the first caller's token: the others wait for the same collection.
            var snapshot = await collect(_stopping.Token).ConfigureAwait(false);
            var took = _time.GetElapsedTime(started);
            lock (_lock)
            {
                LastDuration = took;
                var fresh = TimeSpan.FromTicks(Math.Clamp(took.Ticks * 4, MinFresh.Ticks, MaxFresh.Ticks));
                _last = (snapshot, _time.GetTimestamp(), fresh);
            }
            return snapshot;
        }
        finally
        {
            Interlocked.Increment(ref _collections);
            lock (_lock) _running = null;
        }
    }

    /// <summary>Cancels a collection under way and waits for it to end (the index it reads is closed next).</summary>
    public async Task StopAsync()
    {
        Task<OpsSnapshot>? running;
        lock (_lock) running = _running;
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (running is null) return;
        try { await running.ConfigureAwait(false); }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException) { }
    }
}
