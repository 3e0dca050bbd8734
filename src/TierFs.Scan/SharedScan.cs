namespace TierFs.Scan;

/// <summary>
/// A scan under way that others wait for instead of walking the tree a second time (the mount's
/// first scan: `tierfs scan` right after the mount reports it). Whoever waits gets its progress
/// while waiting and its result at the end.
/// </summary>
internal sealed class SharedScan
{
    private readonly TaskCompletionSource<ScanResult?> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _watchersLock = new();
    private readonly List<Action<ScanProgress>> _watchers = [];
    private int _waiting;

    /// <summary>Callers waiting now (tests).</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>The scan's own progress callback: passes its counts on to whoever waits.</summary>
    public void Report(ScanProgress progress)
    {
        // Under the lock: a watcher that stopped waiting is never called afterwards.
        lock (_watchersLock)
            _watchers.RemoveAll(watcher => !Told(watcher, progress));
    }

    /// <summary>
    /// Whether a waiter's callback took the progress. One that throws is told no more: it is that
    /// waiter's fault, and it must not end the scan everyone (the mount first) is waiting for.
    /// </summary>
    private static bool Told(Action<ScanProgress> watcher, ScanProgress progress)
    {
        try
        {
            watcher(progress);
            return true;
        }
        catch (Exception)
        {
            return false;
        }
    }

    /// <summary>The scan ended: its result, or null when it failed or was cancelled (a waiter then scans itself).</summary>
    public void Finish(ScanResult? result) => _done.TrySetResult(result);

    /// <summary>
    /// Waits for the scan (as long as <paramref name="options"/>' cancellation allows), reporting its
    /// progress to <paramref name="options"/>' callback meanwhile. Null when it did not complete.
    /// </summary>
    public ScanResult? Wait(ScanOptions options)
    {
        var watcher = options.Progress;
        if (watcher is not null) lock (_watchersLock) _watchers.Add(watcher);
        Interlocked.Increment(ref _waiting);
        try
        {
            _done.Task.Wait(options.Cancellation);
            return _done.Task.Result;
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
            if (watcher is not null) lock (_watchersLock) _watchers.Remove(watcher);
        }
    }
}
