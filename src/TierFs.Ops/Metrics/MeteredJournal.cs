using TierFs.Records;
using TierFs.Tiering.Engine;

namespace TierFs.Ops.Metrics;

/// <summary>
/// The engine's journal with the metrics beside it: every operation the engine logs (archive,
/// release, recall, delete, their failures; alone or with the record it changed) is counted as it is written, then passed on unchanged.
/// </summary>
public sealed class MeteredJournal(ITierJournal inner, TierMetrics metrics) : ITierJournal
{
    public void Log(LogLine line)
    {
        inner.Log(line);
        Count(line);
    }

    // An operation that changes a record is logged with it, in the same transaction.
    public void Recorded(FileKey key, StubRecord record, string? path, LogLine? log = null)
    {
        inner.Recorded(key, record, path, log);
        Count(log);
    }

    public void Forgotten(FileKey key, LogLine? log = null)
    {
        inner.Forgotten(key, log);
        Count(log);
    }

    public IEnumerable<(FileKey Key, StubRecord Record, string? Path)> Load() => inner.Load();
    public void Recalled(RecallEntry entry) => inner.Recalled(entry);
    public void EnqueueDelete(string objectKey, DateTimeOffset due, string reason, string fileId, string remote) => inner.EnqueueDelete(objectKey, due, reason, fileId, remote);
    public IReadOnlyList<(string ObjectKey, string? FileId, int Attempts)> DueDeletes(DateTimeOffset now, int limit, string remote) => inner.DueDeletes(now, limit, remote);
    public string? ReferenceTo(string objectKey, string? fileId) => inner.ReferenceTo(objectKey, fileId);
    public void DeleteDone(string objectKey) => inner.DeleteDone(objectKey);
    public void DeleteFailed(string objectKey, DateTimeOffset retryAt, string error) => inner.DeleteFailed(objectKey, retryAt, error);
    public Task FlushAsync() => inner.FlushAsync();

    private void Count(LogLine? line)
    {
        if (line is not null) metrics.Operation(line.Op, line.Bytes, line.Error is null);
    }
}
