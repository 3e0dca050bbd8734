using System.Collections.Concurrent;
using TierFs.Records;

namespace TierFs.Tiering.Engine;

/// <summary>The recalls that serve reads while they run, by file; and the opens waiting for one to start.</summary>
internal sealed class RecallStreams
{
    private readonly ConcurrentDictionary<FileKey, RecallStream> _live = new();
    private readonly ConcurrentDictionary<FileKey, TaskCompletionSource<bool>> _waiting = new();

    public bool TryGet(FileKey key, out RecallStream stream) => _live.TryGetValue(key, out stream!);

    /// <summary>The streams running now (for status).</summary>
    public IReadOnlyList<(FileKey Key, RecallStream Stream)> Running => [.. _live.Select(p => (p.Key, p.Value))];

    public void Started(FileKey key, RecallStream stream)
    {
        _live[key] = stream;
        if (_waiting.TryRemove(key, out var waiting)) waiting.TrySetResult(true);
    }

    /// <summary>After the recall's outcome is in the record: the file is local, or a stub again.</summary>
    public void Ended(FileKey key, RecallStream stream) => _live.TryRemove(KeyValuePair.Create(key, stream));

    /// <summary>Completes when a stream of <paramref name="key"/> is live (at once if one is); give it back with <see cref="StopWaiting"/>.</summary>
    public Task<bool> WhenLive(FileKey key)
    {
        if (_live.ContainsKey(key)) return Task.FromResult(true);
        var waiting = _waiting.GetOrAdd(key, _ => new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (_live.ContainsKey(key)) waiting.TrySetResult(true); // started between the two looks
        return waiting.Task;
    }

    /// <summary>The recall ended without a stream (not streamable, or failed first): forget the wait.</summary>
    public void StopWaiting(FileKey key, Task<bool> waited)
    {
        if (_waiting.TryGetValue(key, out var waiting) && waiting.Task == waited) _waiting.TryRemove(KeyValuePair.Create(key, waiting));
    }
}
