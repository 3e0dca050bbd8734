using TierFs.Common;

namespace TierFs.Tiering.Engine;

/// <summary>
/// Log lines of refused recalls, at most one a minute per caller (command and uid): an indexer
/// walking a million stubs would otherwise write a million lines. The next line counts the ones
/// left out.
/// </summary>
internal sealed class RefusalLog(string source)
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMinutes(1);
    private readonly Dictionary<(string Command, uint Uid), (DateTime Logged, int Unlogged)> _last = [];

    public void Refused(RecallCause cause, string line)
    {
        int unlogged;
        lock (_last)
        {
            var key = (cause.Command, cause.Uid);
            var now = DateTime.UtcNow;
            if (_last.TryGetValue(key, out var last) && now - last.Logged < Quiet)
            {
                _last[key] = (last.Logged, last.Unlogged + 1);
                return;
            }
            unlogged = last.Unlogged;
            _last[key] = (now, 0);
            // Callers seen once long ago are forgotten, so the table stays small.
            if (_last.Count > 1024)
                foreach (var old in _last.Where(e => now - e.Value.Logged >= Quiet && e.Value.Unlogged == 0).Select(e => e.Key).ToList())
                    _last.Remove(old);
        }
        Log.Warn(source, unlogged == 0 ? line : $"{line} (and {unlogged} more refusals of comm={cause.Command} uid={cause.Uid} in the last minute, not logged one by one)");
    }
}
