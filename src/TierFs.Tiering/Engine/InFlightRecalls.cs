using TierFs.Records;
namespace TierFs.Tiering.Engine;

/// <summary>
/// The recall running for each file, so that everyone who needs the file's data while it comes
/// back (openers, `tierfs recall`, a recall policy) waits for that one recall and gets its outcome:
/// twenty openers of a stub on a hanging remote all fail within one request timeout, not one after
/// another. The recall runs with a token of its own, cancelled only when every caller sharing it has
/// given up (a command's Ctrl-C never fails an opener's wait). A recall that has ended, or that
/// every caller gave up, is forgotten: the next caller starts a new one (a plain retry).
/// </summary>
internal sealed class InFlightRecalls
{
    private readonly Dictionary<FileKey, Recall> _running = [];

    /// <summary>One recall: its outcome, its own cancellation, and how many callers still wait for it.</summary>
    private sealed class Recall
    {
        public readonly TaskCompletionSource<string?> Outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
        // Not disposed: a caller's late withdrawal may still cancel it, and without a timer or a
        // wait handle it holds nothing but memory.
        public readonly CancellationTokenSource Cancel = new();
        public int Sharers;
    }

    /// <summary>
    /// Waits for the recall under way for <paramref name="key"/>, or for a new one made by
    /// <paramref name="start"/> (<paramref name="started"/> says which; a <paramref name="start"/>
    /// not used is never called), given the recall's own token. When <paramref name="ct"/> fires,
    /// this caller withdraws (its wait ends cancelled at once); the recall is cancelled when the last
    /// caller withdraws. An opener passes CancellationToken.None: it never withdraws. Null when a new
    /// recall was needed and <paramref name="mayStart"/> (asked under the lock, so exactly once per
    /// recall started) said no.
    /// </summary>
    public Task<string?>? Join(FileKey key, Func<CancellationToken, Task<string?>> start, CancellationToken ct, out bool started, Func<bool>? mayStart = null)
    {
        Recall recall;
        lock (_running)
        {
            started = false;
            if (!_running.TryGetValue(key, out recall!))
            {
                if (mayStart is not null && !mayStart()) return null;
                recall = new Recall();
                _running[key] = recall;
                started = true;
            }
            recall.Sharers++;
        }
        if (started) _ = RunAsync(key, recall, start);
        return ct.CanBeCanceled ? WaitAsync(key, recall, ct) : recall.Outcome.Task;
    }

    public int Count
    {
        get { lock (_running) return _running.Count; }
    }

    /// <summary>How many callers wait for the recall of <paramref name="key"/> under way (0: none runs, or all gave up).</summary>
    public int Sharing(FileKey key)
    {
        lock (_running) return _running.TryGetValue(key, out var recall) ? recall.Sharers : 0;
    }

    private async Task<string?> WaitAsync(FileKey key, Recall recall, CancellationToken ct)
    {
        try
        {
            return await recall.Outcome.Task.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Before the caller hears of it: by then the recall no longer counts it.
            Withdraw(key, recall);
            throw;
        }
    }

    private void Withdraw(FileKey key, Recall recall)
    {
        lock (_running)
        {
            // Ended already (its outcome is there): nothing left to stop.
            if (!_running.TryGetValue(key, out var current) || current != recall) return;
            if (--recall.Sharers > 0) return;
            // Out of the table at once: a caller arriving during the cancellation starts a new recall
            // (it waits for this one on the file's lock) rather than sharing a cancelled outcome.
            _running.Remove(key);
        }
        recall.Cancel.Cancel();
    }

    private async Task RunAsync(FileKey key, Recall recall, Func<CancellationToken, Task<string?>> start)
    {
        string? result;
        try
        {
            // Started on the pool, not on the caller's thread (a FUSE worker, or a command that blocks on
            // the outcome); no thread of its own: a storm of 1,000 opens would make and end 1,000 threads.
            var token = recall.Cancel.Token;
            result = await Task.Run(() => start(token)).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            result = e is AggregateException { InnerException: { } inner } ? inner.Message : e.Message;
        }
        lock (_running)
        {
            // This recall's entry only: once every caller gave it up, a new caller may have started another.
            if (_running.TryGetValue(key, out var current) && current == recall) _running.Remove(key);
        }
        recall.Outcome.SetResult(result);
    }
}
