using TierFs.Daemon.Jobs;
using TierFs.Index;
using TierFs.Tiering.Config;
using TierFs.Records;

namespace TierFs.Daemon;

/// <summary>
/// The files that failed before, as the job store had them when a run began: one that failed
/// <see cref="ScheduleConfig.Retries"/> times more than once, or whose backoff has not run out,
/// waits, unless its data changed since (another mtime: it is tried at once). The planner passes
/// waiting files over, so they take no place under a policy's max_files; the workers count the
/// attempts. A file is looked up by its stable id (<see cref="JobFileId"/>), and by its inode too:
/// a file that failed before it had a record (a migration whose release failed after its archive)
/// was recorded by its inode.
/// </summary>
internal sealed class RetryGate
{
    private readonly Dictionary<string, RetryRow> _rows;
    private readonly int _retries;
    private readonly long _nowMs;
    private readonly bool _retryNow;

    private RetryGate(Dictionary<string, RetryRow> rows, int retries, long nowMs, bool retryNow)
    {
        _rows = rows;
        _retries = retries;
        _nowMs = nowMs;
        _retryNow = retryNow;
    }

    /// <param name="retryNow">`tierfs policy run --retry-now`: nothing waits (the attempts still count).</param>
    public static RetryGate Load(IJobStore store, ScheduleConfig schedule, DateTimeOffset now, bool retryNow = false) =>
        new(store.Retries().ToDictionary(r => r.File, StringComparer.Ordinal), schedule.Retries, now.ToUnixTimeMilliseconds(), retryNow);

    /// <summary>The rows recorded for the file: by its id, and by its inode when that is another name.</summary>
    public IEnumerable<RetryRow> Rows(string? fileId, FileKey key)
    {
        var id = JobFileId.Of(fileId, key);
        if (_rows.TryGetValue(id, out var byId)) yield return byId;
        var inode = JobFileId.ForInode(key);
        if (inode != id && _rows.TryGetValue(inode, out var byInode)) yield return byInode;
    }

    /// <summary>The file's earlier failure, if it has one for the same data (mtime).</summary>
    public RetryRow? Previous(string? fileId, FileKey key, long mtimeNs) => Rows(fileId, key).FirstOrDefault(r => r.MtimeNs == mtimeNs);

    public bool Waits(string? fileId, FileKey key, long mtimeNs) => Why(fileId, key, mtimeNs) is not null;

    /// <summary>Why the file waits (a reason shared by the files held back alike, and this file's detail), or null when it does not.</summary>
    public (string Reason, string Detail)? Why(string? fileId, FileKey key, long mtimeNs)
    {
        if (_retryNow || Previous(fileId, key, mtimeNs) is not { } row) return null;
        if (row.Attempts > _retries)
            return ("failed too often: retried once it changes (or with --retry-now)", $"failed {row.Attempts} times, last: {row.LastError}");
        if (row.NextTryMs > _nowMs)
            return ("waiting for a retry", $"until {DateTimeOffset.FromUnixTimeMilliseconds(row.NextTryMs).ToLocalTime():yyyy-MM-dd HH:mm:ss}, " +
                                            $"after {row.Attempts} of {_retries + 1} attempts, last: {row.LastError}");
        return null;
    }
}
