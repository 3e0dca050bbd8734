using System.Diagnostics;

namespace TierFs.Tiering.Control;

/// <summary>
/// Lets through at most one progress report per file per interval, plus the first and the
/// last (done == total), so that a fast transfer does not flood the socket. Thread-safe: the
/// engine reports from several workers at once.
/// </summary>
public sealed class ProgressThrottle(TimeSpan interval)
{
    private readonly Dictionary<string, long> _lastSent = new(StringComparer.Ordinal);
    private readonly long _intervalTicks = (long)(interval.TotalSeconds * Stopwatch.Frequency);
    private readonly Lock _gate = new();

    public bool ShouldSend(string path, long done, long total) => ShouldSend(path, done, total, Stopwatch.GetTimestamp());

    internal bool ShouldSend(string path, long done, long total, long now)
    {
        lock (_gate)
        {
            if (done >= total || !_lastSent.TryGetValue(path, out var last) || now - last >= _intervalTicks)
            {
                _lastSent[path] = now;
                return true;
            }
            return false;
        }
    }

    /// <summary>The file is finished: forget it.</summary>
    public void Forget(string path)
    {
        lock (_gate) _lastSent.Remove(path);
    }
}
