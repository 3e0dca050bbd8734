namespace TierFs.Ops.Metrics;

/// <summary>
/// Files and bytes migrated (archived), released and recalled per minute over the last hours, in
/// memory (since the mount started): the status page plots them. Thread-safe.
/// </summary>
public sealed class RateHistory(TimeSpan span, TimeProvider? clock = null)
{
    public static readonly string[] Operations = ["archive", "release", "recall"];

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly Lock _gate = new();
    // minute (unix) → per operation: files, bytes
    private readonly SortedDictionary<long, (long Files, long Bytes)[]> _minutes = [];

    public TimeSpan Span => span;

    public void Add(string op, long bytes)
    {
        var i = Array.IndexOf(Operations, op);
        if (i < 0) return;
        var minute = _clock.GetUtcNow().ToUnixTimeSeconds() / 60;
        lock (_gate)
        {
            if (!_minutes.TryGetValue(minute, out var slot)) _minutes[minute] = slot = new (long, long)[Operations.Length];
            slot[i] = (slot[i].Files + 1, slot[i].Bytes + bytes);
            var oldest = minute - (long)span.TotalMinutes;
            while (_minutes.Count > 0 && _minutes.First().Key < oldest) _minutes.Remove(_minutes.First().Key);
        }
    }

    /// <summary>Per minute of the span (oldest first, every minute present, zeros included): bytes of <paramref name="op"/>.</summary>
    public IReadOnlyList<(DateTimeOffset Minute, long Files, long Bytes)> Series(string op)
    {
        var i = Array.IndexOf(Operations, op);
        var now = _clock.GetUtcNow().ToUnixTimeSeconds() / 60;
        var first = now - (long)span.TotalMinutes + 1;
        var series = new List<(DateTimeOffset, long, long)>();
        lock (_gate)
            for (var m = first; m <= now; m++)
            {
                var (files, bytes) = _minutes.TryGetValue(m, out var slot) && i >= 0 ? slot[i] : (0, 0);
                series.Add((DateTimeOffset.FromUnixTimeSeconds(m * 60), files, bytes));
            }
        return series;
    }
}
