using Microsoft.Data.Sqlite;
using TierFs.Index.Storage;
using TierFs.Records;

namespace TierFs.Index.Writing;

/// <summary>One queued change to the index, applied by the writer inside a batch's transaction.</summary>
internal abstract class IndexWrite
{
    public abstract void Apply(WriteStatements s);

    /// <summary>For the log line when a write cannot be committed.</summary>
    public abstract override string ToString();

    protected static void Run(SqliteCommand command, params object[] values)
    {
        for (var i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i];
        command.ExecuteNonQuery();
    }
}

internal sealed class UpsertTier(TierRow row) : IndexWrite
{
    public override void Apply(WriteStatements s)
    {
        TierColumns.Bind(s.UpsertArgs, row);
        s.Upsert.ExecuteNonQuery();
    }

    public override string ToString() => $"upsert {row.Key} {row.Record.State}";
}

internal sealed class RemoveTier(FileKey key) : IndexWrite
{
    public override void Apply(WriteStatements s) => Run(s.Remove, Db.Key(key.Dev), Db.Key(key.Ino));
    public override string ToString() => $"remove {key}";
}

/// <summary>Removes the inode's row only while it holds the record <paramref name="fileId"/>: a record written since stays.</summary>
internal sealed class RemoveTierRecord(FileKey key, string fileId) : IndexWrite
{
    public override void Apply(WriteStatements s) =>
        Run(s.Adhoc("DELETE FROM tier WHERE dev = $1 AND ino = $2 AND file_id = $3", 3), Db.Key(key.Dev), Db.Key(key.Ino), fileId);

    public override string ToString() => $"remove {key} record {fileId}";
}

internal sealed class SetPair(FileKey key, string? pair) : IndexWrite
{
    public override void Apply(WriteStatements s) => Run(s.SetPair, Db.Key(key.Dev), Db.Key(key.Ino), Db.Text(pair));
    public override string ToString() => $"set pair {key} {pair ?? "(none)"}";
}

internal sealed class EnqueueDelete(string objectKey, long dueMs, string reason, string? fileId, string? remote) : IndexWrite
{
    public override void Apply(WriteStatements s) => Run(s.Enqueue, objectKey, dueMs, reason, Db.Text(fileId), Db.Text(remote));
    public override string ToString() => $"enqueue delete {objectKey}";
}

internal sealed class CompleteDelete(string objectKey) : IndexWrite
{
    public override void Apply(WriteStatements s) => Run(s.Complete, objectKey);
    public override string ToString() => $"complete delete {objectKey}";
}

internal sealed class RescheduleDelete(string objectKey, long dueMs, string? error) : IndexWrite
{
    public override void Apply(WriteStatements s) => Run(s.Reschedule, objectKey, dueMs, Db.Text(error));
    public override string ToString() => $"reschedule delete {objectKey}";
}

internal sealed class AppendLog(OpLogEntry e, string origin) : IndexWrite
{
    public override void Apply(WriteStatements s) =>
        Run(s.Append, e.AtMs, e.Op, Db.Text(e.Path), Db.Text(e.FileId), e.Bytes, e.DurationMs, e.Ok ? 1L : 0L, Db.Text(e.Error), origin);

    public override string ToString() => $"log {e.Op} {e.Path}";
}

/// <summary>A peer's entries, in their order: each stored once (a repeat is ignored).</summary>
internal sealed class ReceiveLog(IReadOnlyList<OpLogEntry> entries) : IndexWrite
{
    public override void Apply(WriteStatements s)
    {
        foreach (var e in entries)
            Run(s.Receive, e.AtMs, e.Op, Db.Text(e.Path), Db.Text(e.FileId), e.Bytes, e.DurationMs, e.Ok ? 1L : 0L, Db.Text(e.Error), e.Origin, e.Seq);
    }

    public override string ToString() => $"receive {entries.Count} log entries";
}

/// <summary>Several writes that must be committed together or not at all (a record change and its log entry).</summary>
internal sealed class Together(params IndexWrite[] writes) : IndexWrite
{
    public override void Apply(WriteStatements s)
    {
        foreach (var w in writes) w.Apply(s);
    }

    public override string ToString() => string.Join(" + ", writes.Select(w => w.ToString()));
}

/// <summary>Not a change: commits everything queued before it, then releases whoever waits.</summary>
internal sealed class FlushRequest : IndexWrite
{
    public readonly TaskCompletionSource Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public override void Apply(WriteStatements s) { }
    public override string ToString() => "flush";
}

/// <summary>Not a change: work on the writer's connection between transactions (see <see cref="BatchWriter.Run"/>).</summary>
internal sealed class ConnectionTask(Action<SqliteConnection> action) : IndexWrite
{
    public readonly Action<SqliteConnection> Action = action;
    public readonly TaskCompletionSource Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public override void Apply(WriteStatements s) { }
    public override string ToString() => "connection task";
}

/// <summary>Not a change: work on the writer's connection once nothing is queued (see <see cref="BatchWriter.WhenIdle"/>).</summary>
internal sealed class IdleTask(Action<SqliteConnection> action) : IndexWrite
{
    public readonly Action<SqliteConnection> Action = action;
    public readonly long QueuedAtMs = Environment.TickCount64;
    public override void Apply(WriteStatements s) { }
    public override string ToString() => "idle task";
}
