using TierFs.Index;
using TierFs.Scan;
using TierFs.Tiering.Engine;
using TierFs.Records;

namespace TierFs.Host.Adapters;

/// <summary>
/// The engine's journal kept in the SQLite index (records, pending remote deletions, the operation
/// log). A record written or removed changed the file too (its ctime; a release its blocks): the
/// keeper looks at its entry again.
/// </summary>
public sealed class IndexJournal(TierIndex index, IndexKeeper keeper) : ITierJournal
{
    public void Recorded(FileKey key, StubRecord r, string? path, LogLine? log = null)
    {
        var row = new TierRow { Key = key, Record = r, Path = path }; // no path: the row keeps the one it has
        if (log is null) index.Upsert(row);
        else index.UpsertWithLog(row, Entry(log));
        keeper.InodeChanged(key);
    }

    public void Forgotten(FileKey key, LogLine? log = null)
    {
        if (log is null) index.Remove(key);
        else index.RemoveWithLog(key, Entry(log));
        keeper.InodeChanged(key);
    }

    public IEnumerable<(FileKey Key, StubRecord Record, string? Path)> Load()
    {
        foreach (var state in new[] { StubRecord.StateArchived, StubRecord.StateReleased, StubRecord.StateLost })
            foreach (var row in index.LoadByState(state))
                yield return (row.Key, row.Record, row.Path);
    }

    public void EnqueueDelete(string objectKey, DateTimeOffset due, string reason, string fileId, string remote) =>
        index.EnqueueDelete(objectKey, due.ToUnixTimeMilliseconds(), reason, fileId, remote);

    public IReadOnlyList<(string ObjectKey, string? FileId, int Attempts)> DueDeletes(DateTimeOffset now, int limit, string remote)
    {
        index.Flush(); // deletions queued a moment ago count too, and so do records written a moment ago
        return index.DueDeletes(now.ToUnixTimeMilliseconds(), limit, remote).Select(d => (d.ObjectKey, d.FileId, d.Attempts)).ToList();
    }

    public string? ReferenceTo(string objectKey, string? fileId) =>
        index.ReferenceTo(objectKey, fileId) is { } row ? row.Path ?? $"inode {row.Key}" : null;

    public Task FlushAsync() => index.FlushAsync();

    public void DeleteDone(string objectKey) => index.CompleteDelete(objectKey);

    public void DeleteFailed(string objectKey, DateTimeOffset retryAt, string error) =>
        index.RescheduleDelete(objectKey, retryAt.ToUnixTimeMilliseconds(), error);

    public void Log(LogLine line) => index.AppendLog(Entry(line));

    public void Recalled(RecallEntry r) => index.AppendRecall(new RecallRow
    {
        Key = r.Key,
        FileId = r.FileId,
        Path = r.Path,
        Trigger = r.Trigger,
        Pid = r.Pid,
        Uid = r.Uid,
        Gid = r.Gid,
        Command = r.Command,
        StartedMs = r.Started.ToUnixTimeMilliseconds(),
        EndedMs = r.Ended.ToUnixTimeMilliseconds(),
        Bytes = r.Bytes,
        Error = r.Error,
    });

    private static OpLogEntry Entry(LogLine l) => new()
    {
        AtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        Op = l.Op,
        Path = l.Path,
        FileId = l.FileId,
        Bytes = l.Bytes,
        DurationMs = (long)l.Took.TotalMilliseconds,
        Ok = l.Error is null,
        Error = l.Error,
    };
}
