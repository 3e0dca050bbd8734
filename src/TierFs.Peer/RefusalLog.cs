using System.Net;
using TierFs.Common;

namespace TierFs.Peer;

/// <summary>
/// Logs the peer link's refused requests at a bounded rate: at most <c>perWindow</c> lines per
/// window (a minute), then one summary line for the rest when the window ends. Anyone on the
/// network can send unsigned requests; one line each would let them rotate the log away (the
/// audit trail with it) or fill the disk. The refusals themselves are not affected.
/// </summary>
internal sealed class RefusalLog : IDisposable
{
    private const string Source = "peer";
    private const int NamedSources = 5;

    private readonly Lock _gate = new();
    private readonly int _perWindow;
    private readonly TimeSpan _window;
    private readonly Timer _timer;
    private readonly Dictionary<string, int> _suppressed = [];
    private int _logged, _more;

    public RefusalLog(int perWindow, TimeSpan window)
    {
        _perWindow = perWindow;
        _window = window;
        // The summary comes at the window's end even when the flood has stopped.
        _timer = new Timer(_ => EndWindow(), null, window, window);
    }

    public void Refused(IPAddress? from, string problem)
    {
        var source = from?.ToString() ?? "an unknown address";
        lock (_gate)
        {
            if (_logged < _perWindow)
            {
                _logged++;
                Log.Warn(Source, $"refused a request from {source}: {Excerpt.Of(problem)}");
                return;
            }
            _more++;
            if (_suppressed.ContainsKey(source) || _suppressed.Count < NamedSources) _suppressed[source] = _suppressed.GetValueOrDefault(source) + 1;
        }
    }

    private void EndWindow()
    {
        lock (_gate)
        {
            if (_more > 0)
            {
                var named = string.Join(", ", _suppressed.OrderByDescending(s => s.Value).Select(s => $"{s.Key} ({s.Value})"));
                var others = _suppressed.Values.Sum() < _more ? " and others" : "";
                Log.Warn(Source, $"{_more} more refused request(s) in the last {Window()} not logged one by one: from {named}{others}");
            }
            _logged = _more = 0;
            _suppressed.Clear();
        }
    }

    private string Window() => _window >= TimeSpan.FromMinutes(1) ? $"{_window.TotalMinutes:0} minute(s)" : $"{_window.TotalSeconds:0.#} s";

    public void Dispose()
    {
        _timer.Dispose();
        EndWindow();
    }
}
