using TierFs.Common;
using TierFs.Remote;

namespace TierFs.Tiering.Engine;

/// <summary>
/// The mount's background work on remote objects no file needs any more (unlinked, superseded,
/// recalled under a pair, abandoned uploads): deletes those whose grace period is over, retrying with
/// backoff. Only objects of its own remote tier, and never one that a record still references
/// (a copy of a stub made behind the mount, a file restored from a backup): that deletion is dropped.
/// </summary>
public sealed class RemoteDeleter(IRemoteStore remote, ITierJournal journal, TimeSpan interval)
{
    private const string Source = "delete";
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromHours(1);

    /// <summary>Runs until cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try { await RunOnceAsync(ct).ConfigureAwait(false); }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (Exception e) { Log.Error(Source, "remote deletion pass failed", e); }
            try { await Task.Delay(interval, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>One pass: returns how many objects were deleted.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var done = 0;
        foreach (var (key, fileId, attempts) in journal.DueDeletes(DateTimeOffset.UtcNow, 100, remote.Identity))
        {
            if (journal.ReferenceTo(key, fileId) is { } holder)
            {
                journal.DeleteDone(key);
                Log.Warn(Source, $"kept remote object {key}: the tier record of {holder} references it (its deletion is dropped)");
                continue;
            }
            var started = DateTime.UtcNow;
            try
            {
                await remote.DeleteAsync(key, ct).ConfigureAwait(false);
                journal.DeleteDone(key);
                done++;
                journal.Log(new LogLine("delete", key, fileId, 0, DateTime.UtcNow - started));
                Log.Info(Source, $"deleted remote object {key}");
            }
            catch (RemoteException e)
            {
                journal.Log(new LogLine("delete", key, fileId, 0, DateTime.UtcNow - started, e.Message));
                var backoff = TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, 30 * Math.Pow(2, attempts)));
                journal.DeleteFailed(key, DateTimeOffset.UtcNow + backoff, e.Message);
                Log.Warn(Source, $"cannot delete remote object {key} (attempt {attempts + 1}), retry in {backoff.TotalMinutes:0.#} min: {e.Message}");
            }
        }
        return done;
    }
}
