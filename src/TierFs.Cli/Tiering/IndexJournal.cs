using TierFs.Index;
using TierFs.Scan;
using TierFs.Tiering.Engine;
using TierFs.Tiering.Stubs;
using IndexKey = TierFs.Index.FileKey;
using TierKey = TierFs.Tiering.Engine.FileKey;

namespace TierFs.Cli.Tiering;

/// <summary>
/// The engine's journal kept in the SQLite index (records, pending remote deletions, the operation
/// log). A record written or removed changed the file too (its ctime; a release its blocks): the
/// keeper looks at its entry again.
/// </summary>
public sealed class IndexJournal(TierIndex index, IndexKeeper keeper) : ITierJournal
{
    private static IndexKey Key(TierKey k) => new(k.Dev, k.Ino);

    public void Recorded(TierKey key, StubRecord r, string? path)
    {
        index.Upsert(TierRecords.Row(Key(key), r, path)); // no path: the row keeps the one it has
        keeper.InodeChanged(Key(key));
    }

    public void Forgotten(TierKey key)
    {
        index.Remove(Key(key));
        keeper.InodeChanged(Key(key));
    }

    public IEnumerable<(TierKey Key, StubRecord Record, string? Path)> Load()
    {
        foreach (var state in new[] { TierRow.StateArchived, TierRow.StateReleased, TierRow.StateLost })
            foreach (var row in index.LoadByState(state))
                yield return (new TierKey(row.Key.Dev, row.Key.Ino), TierRecords.Record(row), row.Path);
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

    public void Flush() => index.Flush();

    public void DeleteDone(string objectKey) => index.CompleteDelete(objectKey);

    public void DeleteFailed(string objectKey, DateTimeOffset retryAt, string error) =>
        index.RescheduleDelete(objectKey, retryAt.ToUnixTimeMilliseconds(), error);

    public void Log(string op, string? path, string fileId, long bytes, TimeSpan took, string? error) => index.AppendLog(new OpLogEntry
    {
        AtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        Op = op,
        Path = path,
        FileId = fileId,
        Bytes = bytes,
        DurationMs = (long)took.TotalMilliseconds,
        Ok = error is null,
        Error = error,
    });
}
