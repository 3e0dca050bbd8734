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

    private RetryGate(Dictionary<FileKey, RetryRow> rows, int retries, long nowMs)
    {
        _rows = rows;
        _retries = retries;
        _nowMs = nowMs;
    }

    public static RetryGate Load(TierIndex index, ScheduleConfig schedule, DateTimeOffset now) =>
        new(index.Retries().ToDictionary(r => r.Key), schedule.Retries, now.ToUnixTimeMilliseconds());

    /// <summary>The file's earlier failure, if it has one for the same data (mtime).</summary>
    public RetryRow? Previous(FileKey key, long mtimeNs) =>
        _rows.TryGetValue(key, out var row) && row.MtimeNs == mtimeNs ? row : null;

    /// <summary>True if any earlier failure is recorded (one for other data is cleared on success too).</summary>
    public bool HasRow(FileKey key) => _rows.ContainsKey(key);

    public bool Waits(FileKey key, long mtimeNs) =>
        Previous(key, mtimeNs) is { } row && (row.Attempts > _retries || row.NextTryMs > _nowMs);
}
