using TierFs.Records;
namespace TierFs.Tiering.Engine;

/// <summary>What the engine needs to know of, and tell to, the mount serving the files.</summary>
public interface IMountView
{
    /// <summary>Handles open on this inode through the mount (0 when the kernel does not hold it).</summary>
    int OpenHandles(FileKey key);

    /// <summary>Handles open for writing.</summary>
    int OpenWriters(FileKey key);

    /// <summary>
    /// The kernel must drop what it cached of this inode (attributes, pages). From inside a
    /// request handler (an open that recalls) it must not wait: <paramref name="wait"/> false.
    /// </summary>
    void Invalidate(FileKey key, bool wait);
}

/// <summary>The index, as the engine feeds it (a cache of the records; the files keep the truth).</summary>
public interface ITierJournal
{
    /// <summary>A record written; with <paramref name="log"/>, the log entry that describes the change, committed together with it.</summary>
    void Recorded(FileKey key, StubRecord record, string? path, LogLine? log = null);
    /// <summary>A record removed; with <paramref name="log"/>, its log entry, committed together with it.</summary>
    void Forgotten(FileKey key, LogLine? log = null);
    /// <summary>Records loaded at start (the stubs the mount must recognise without reading every file).</summary>
    IEnumerable<(FileKey Key, StubRecord Record, string? Path)> Load();
    /// <summary>Queues the deletion of an object on the remote tier <paramref name="remote"/> (an identity).</summary>
    void EnqueueDelete(string objectKey, DateTimeOffset due, string reason, string fileId, string remote);
    /// <summary>The deletions due on the remote tier <paramref name="remote"/> (and those queued before remotes were recorded).</summary>
    IReadOnlyList<(string ObjectKey, string? FileId, int Attempts)> DueDeletes(DateTimeOffset now, int limit, string remote);
    /// <summary>Where a record that still references the object (queued for the file <paramref name="fileId"/>) lives (its path or inode), or null when none does.</summary>
    string? ReferenceTo(string objectKey, string? fileId);
    /// <summary>The object is deleted, or is not to be deleted any more: it leaves the queue.</summary>
    void DeleteDone(string objectKey);
    void DeleteFailed(string objectKey, DateTimeOffset retryAt, string error);
    /// <summary>A log entry that changes no record (a failure, a check, a remote deletion).</summary>
    void Log(LogLine line);
    /// <summary>Completes once what was recorded so far is durable in the index (a crash after it finds it there).</summary>
    Task FlushAsync();
    /// <summary>A recall ended (done or failed): its one row of the recalls table.</summary>
    void Recalled(RecallEntry recall);
}

/// <summary>
/// One recall, as the recalls table keeps it: the file, who caused it and how (the first caller's,
/// when openers shared it), when it was asked for and when it ended, the bytes that landed, and
/// what went wrong (null: done).
/// </summary>
public sealed record RecallEntry(FileKey Key, string FileId, string? Path, string Trigger, int Pid, uint Uid, uint Gid, string Command,
    DateTimeOffset Started, DateTimeOffset Ended, long Bytes, string? Error);

/// <summary>One entry of the operation log as the engine writes it (the index gives it its origin, sequence number and time).</summary>
/// <param name="Error">Null when the operation succeeded.</param>
public sealed record LogLine(string Op, string? Path, string? FileId, long Bytes, TimeSpan Took, string? Error = null);
