using TierFs.Index;
using TierFs.Tiering.Config;
using TierFs.Records;

namespace TierFs.Daemon;

/// <summary>
/// The files that failed before, as the index had them when a run began: one that failed
/// <see cref="ScheduleConfig.Retries"/> times more than once, or whose backoff has not run out,
/// waits, unless its data changed since (another mtime: it is tried at once). The planner passes
/// waiting files over, so they take no place under a policy's max_files; the workers count the
/// attempts.
/// </summary>
internal sealed class RetryGate
{
    private readonly Dictionary<FileKey, RetryRow> _rows;
    private readonly int _retries;
    private readonly long _nowMs;
    private readonly bool _retryNow;

    private RetryGate(Dictionary<FileKey, RetryRow> rows, int retries, long nowMs, bool retryNow)
    {
        _rows = rows;
        _retries = retries;
        _nowMs = nowMs;
        _retryNow = retryNow;
    }

    /// <param name="retryNow">`tierfs policy run --retry-now`: nothing waits (the attempts still count).</param>
    public static RetryGate Load(TierIndex index, ScheduleConfig schedule, DateTimeOffset now, bool retryNow = false) =>
        new(index.Retries().ToDictionary(r => r.Key), schedule.Retries, now.ToUnixTimeMilliseconds(), retryNow);

    /// <summary>The file's earlier failure, if it has one for the same data (mtime).</summary>
    public RetryRow? Previous(FileKey key, long mtimeNs) =>
        _rows.TryGetValue(key, out var row) && row.MtimeNs == mtimeNs ? row : null;

    /// <summary>True if any earlier failure is recorded (one for other data is cleared on success too).</summary>
    public bool HasRow(FileKey key) => _rows.ContainsKey(key);

    public bool Waits(FileKey key, long mtimeNs) => Why(key, mtimeNs) is not null;

    /// <summary>Why the file waits (a reason shared by the files held back alike, and this file's detail), or null when it does not.</summary>
    public (string Reason, string Detail)? Why(FileKey key, long mtimeNs)
    {
        if (_retryNow || Previous(key, mtimeNs) is not { } row) return null;
        if (row.Attempts > _retries)
            return ("failed too often: retried once it changes (or with --retry-now)", $"failed {row.Attempts} times, last: {row.LastError}");
        if (row.NextTryMs > _nowMs)
            return ("waiting for a retry", $"until {DateTimeOffset.FromUnixTimeMilliseconds(row.NextTryMs).ToLocalTime():yyyy-MM-dd HH:mm:ss}, " +
                                            $"after {row.Attempts} of {_retries + 1} attempts, last: {row.LastError}");
        return null;
    }
}
