using System.Collections.Concurrent;
using TierFs.Records;
using TierFs.Tiering.Engine;

namespace TierFs.Tests.Fakes;

/// <summary>The engine's journal in memory: the records it wrote, the deletions it queued (kept as the index keeps them), its operation log.</summary>
public sealed class MemoryJournal : ITierJournal
{
    public sealed record QueuedDelete(string ObjectKey, DateTimeOffset Due, string Reason, string FileId, string Remote, int Attempts = 0, string? Error = null);

    public sealed record LogEntry(string Op, string? Path, string? FileId, long Bytes, string? Error);

    private readonly Lock _gate = new();
    private readonly List<QueuedDelete> _deletes = [];
    private readonly List<(FileKey, StubRecord, string?)> _initial;

    /// <param name="initial">What <see cref="Load"/> gives at the engine's start (an index of an earlier mount).</param>
    public MemoryJournal(params (FileKey Key, StubRecord Record, string? Path)[] initial) => _initial = [.. initial];

    public ConcurrentDictionary<FileKey, (StubRecord Record, string? Path)> Records { get; } = new();

    public ConcurrentQueue<LogEntry> Entries { get; } = new();

    public IReadOnlyList<QueuedDelete> Deletes
    {
        get { lock (_gate) return [.. _deletes]; }
    }

    /// <summary>Called as a record is handed to the journal, before it is kept: what another thread does meanwhile.</summary>
    public Action<FileKey, StubRecord>? BeforeRecorded { get; set; }

    public void Recorded(FileKey key, StubRecord record, string? path, LogLine? log = null)
    {
        BeforeRecorded?.Invoke(key, record);
        Records.AddOrUpdate(key, (record, path), (_, old) => (record, path ?? old.Path));
        if (log is not null) Log(log);
    }

    public void Forgotten(FileKey key, LogLine? log = null)
    {
        Records.TryRemove(key, out _);
        if (log is not null) Log(log);
    }

    public IEnumerable<(FileKey Key, StubRecord Record, string? Path)> Load() => _initial;

    public void EnqueueDelete(string objectKey, DateTimeOffset due, string reason, string fileId, string remote)
    {
        lock (_gate) _deletes.Add(new QueuedDelete(objectKey, due, reason, fileId, remote));
    }

    public IReadOnlyList<(string ObjectKey, string? FileId, int Attempts)> DueDeletes(DateTimeOffset now, int limit, string remote)
    {
        lock (_gate)
            return _deletes.Where(d => d.Due <= now && d.Remote == remote).Take(limit).Select(d => (d.ObjectKey, (string?)d.FileId, d.Attempts)).ToList();
    }

    public string? ReferenceTo(string objectKey, string? fileId) =>
        Records.FirstOrDefault(r => r.Value.Record.ObjectKey == objectKey) is { Value.Record: not null } found ? found.Value.Path ?? $"inode {found.Key}" : null;

    public void DeleteDone(string objectKey)
    {
        lock (_gate) _deletes.RemoveAll(d => d.ObjectKey == objectKey);
    }

    public void DeleteFailed(string objectKey, DateTimeOffset retryAt, string error)
    {
        lock (_gate)
        {
            var i = _deletes.FindIndex(d => d.ObjectKey == objectKey);
            if (i >= 0) _deletes[i] = _deletes[i] with { Due = retryAt, Attempts = _deletes[i].Attempts + 1, Error = error };
        }
    }

    public void Log(LogLine line) => Entries.Enqueue(new LogEntry(line.Op, line.Path, line.FileId, line.Bytes, line.Error));

    public Task FlushAsync() => Task.CompletedTask;

    /// <summary>The rows of the recalls table, in the order the recalls ended.</summary>
    public ConcurrentQueue<RecallEntry> Recalls { get; } = new();

    public void Recalled(RecallEntry recall) => Recalls.Enqueue(recall);
}
