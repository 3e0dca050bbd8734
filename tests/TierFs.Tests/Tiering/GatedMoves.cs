namespace TierFs.Tests.Tiering;

/// <summary>
/// A fake mover step for pool tests: each move is counted as moving from its start until the test
/// releases it, so the test decides when workers come free and sees how many moved at once and in
/// which order they started.
/// </summary>
internal sealed class GatedMoves
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _release = new(0);
    private readonly List<string> _started = [];
    private int _moving;
    private int _maxMoving;
    private int _ended;

    public IReadOnlyList<string> Started { get { lock (_gate) return [.. _started]; } }
    public int Moving { get { lock (_gate) return _moving; } }
    public int MaxMoving { get { lock (_gate) return _maxMoving; } }
    public int Ended { get { lock (_gate) return _ended; } }

    public async ValueTask Move(string name, CancellationToken ct)
    {
        lock (_gate)
        {
            _started.Add(name);
            _moving++;
            _maxMoving = Math.Max(_maxMoving, _moving);
        }
        try { await _release.WaitAsync(ct); }
        finally
        {
            lock (_gate)
            {
                _moving--;
                _ended++;
            }
        }
    }

    /// <summary>Lets one move under way end (whichever waits first).</summary>
    public void ReleaseOne() => _release.Release();

    public void ReleaseAll() => _release.Release(100_000);

    /// <summary>
    /// Lets <paramref name="files"/> moves end one at a time; before each, waits until the pool has
    /// filled its workers again (as many as are left, at most <paramref name="limit"/>) and no more.
    /// </summary>
    public void ReleaseOneAtATime(int files, int limit, Func<int> busy)
    {
        for (var released = 0; released < files; released++)
        {
            var full = Math.Min(limit, files - released);
            Await(m => m.Ended == released && m.Moving == full && busy() == full, $"{full} workers busy again, no more");
            ReleaseOne();
        }
    }

    /// <summary>Waits, bounded, until <paramref name="condition"/> holds; fails the test with <paramref name="what"/> otherwise.</summary>
    public void Await(Func<GatedMoves, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!condition(this))
        {
            Assert.True(DateTime.UtcNow < deadline, $"not within {Bound.TotalSeconds:0} s: {what} (moving {Moving}, started {string.Join(",", Started)})");
            Thread.Sleep(5);
        }
    }
}
