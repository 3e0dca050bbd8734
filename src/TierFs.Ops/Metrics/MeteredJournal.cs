using TierFs.Records;
using TierFs.Tiering.Engine;

namespace TierFs.Ops.Metrics;

/// <summary>
/// The engine's journal with the metrics beside it: every operation the engine logs (archive,
/// release, recall, their failures) is counted as it is written, then passed on unchanged.
/// </summary>
public sealed class MeteredJournal(ITierJournal inner, TierMetrics metrics) : ITierJournal
{
    public void Log(string op, string? path, string fileId, long bytes, TimeSpan took, string? error)
    {
        inner.Log(op, path, fileId, bytes, took, error);
        metrics.Operation(op, bytes, error is null);
    }

    public void Recorded(FileKey key, StubRecord record, string? path) => inner.Recorded(key, record, path);
    public void Forgotten(FileKey key) => inner.Forgotten(key);
    public IEnumerable<(FileKey Key, StubRecord Record, string? Path)> Load() => inner.Load();
    public void EnqueueDelete(string objectKey, DateTimeOffset due, string reason, string fileId, string remote) => inner.EnqueueDelete(objectKey, due, reason, fileId, remote);
    public IReadOnlyList<(string ObjectKey, string? FileId, int Attempts)> DueDeletes(DateTimeOffset now, int limit, string remote) => inner.DueDeletes(now, limit, remote);
    public string? ReferenceTo(string objectKey, string? fileId) => inner.ReferenceTo(objectKey, fileId);
    public void DeleteDone(string objectKey) => inner.DeleteDone(objectKey);
    public void DeleteFailed(string objectKey, DateTimeOffset retryAt, string error) => inner.DeleteFailed(objectKey, retryAt, error);
    public void Flush() => inner.Flush();
}
