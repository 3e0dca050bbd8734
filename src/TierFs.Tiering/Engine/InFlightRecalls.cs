using TierFs.Records;
namespace TierFs.Tiering.Engine;

/// <summary>
/// The recall running for each file, so that everyone who needs the file's data while it comes
/// back (openers, `tierfs recall`) waits for that one recall and gets its outcome: twenty openers
/// of a stub on a hanging remote all fail within one request timeout, not one after another.
/// A recall that has ended is forgotten: the next opener starts a new one (a plain retry).
/// </summary>
internal sealed class InFlightRecalls
{
    private readonly Dictionary<FileKey, Task<string?>> _running = [];
    // How many callers wait for each running recall (the one that started it included).
    private readonly Dictionary<FileKey, int> _sharing = [];

    /// <summary>
    /// The recall under way for <paramref name="key"/>, or a new one made by <paramref name="start"/>
    /// (<paramref name="started"/> says which; a <paramref name="start"/> not used is never called).
    /// Null when a new one was needed and <paramref name="mayStart"/> (asked under the lock, so
    /// exactly once per recall started) said no.
    /// </summary>
    public Task<string?>? Join(FileKey key, Func<Task<string?>> start, out bool started, Func<bool>? mayStart = null)
    {
        TaskCompletionSource<string?> mine;
        lock (_running)
        {
            started = false;
            if (_running.TryGetValue(key, out var running))
            {
                _sharing[key] = _sharing.GetValueOrDefault(key) + 1;
                return running;
            }
            if (mayStart is not null && !mayStart()) return null;
            _sharing[key] = 1;
            started = true;
            mine = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
            _running[key] = mine.Task;
        }
        _ = RunAsync(key, start, mine);
        return mine.Task;
    }

    public int Count
    {
        get { lock (_running) return _running.Count; }
    }

    /// <summary>How many callers share the recall of <paramref name="key"/> under way (0: none runs).</summary>
    public int Sharing(FileKey key)
    {
        lock (_running) return _sharing.GetValueOrDefault(key);
    }

    private async Task RunAsync(FileKey key, Func<Task<string?>> start, TaskCompletionSource<string?> outcome)
    {
        string? result;
        try
        {
            // Started on the pool, not on the caller's thread (a FUSE worker, or a command that blocks on
            // the outcome); no thread of its own: a storm of 1,000 opens would make and end 1,000 threads.
            result = await Task.Run(start).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            result = e is AggregateException { InnerException: { } inner } ? inner.Message : e.Message;
        }
        lock (_running)
        {
            _running.Remove(key);
            _sharing.Remove(key);
        }
        outcome.SetResult(result);
    }
}
