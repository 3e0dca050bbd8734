using TierFs.Index.Storage;
using TierFs.Records;

namespace TierFs.Index.Writing;

internal sealed class PutJob(JobRow j) : IndexWrite
{
    public override void Apply(WriteStatements s) => Run(s.Adhoc(
            "INSERT OR REPLACE INTO jobs (id, run, kind, policy, action, started, finished, planned, files, bytes, skipped, failed, status) " +
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)", 13),
        j.Id, j.Run, j.Kind, Db.Text(j.Policy), j.Action, j.StartedMs, j.FinishedMs, j.Planned, j.Files, j.Bytes, j.Skipped, j.Failed, j.Status);

    public override string ToString() => $"job {j.Id} {j.Policy ?? j.Kind} {j.Status}";
}

internal sealed class PutRetry(RetryRow r) : IndexWrite
{
    public override void Apply(WriteStatements s) => Run(s.Adhoc(
            "INSERT OR REPLACE INTO retries (dev, ino, mtime, attempts, next_try, last_error) VALUES ($1, $2, $3, $4, $5, $6)", 6),
        Db.Key(r.Key.Dev), Db.Key(r.Key.Ino), r.MtimeNs, (long)r.Attempts, r.NextTryMs, Db.Text(r.LastError));

    public override string ToString() => $"retry {r.Key} attempt {r.Attempts}";
}

internal sealed class ClearRetry(FileKey key) : IndexWrite
{
    public override void Apply(WriteStatements s) =>
        Run(s.Adhoc("DELETE FROM retries WHERE dev = $1 AND ino = $2", 2), Db.Key(key.Dev), Db.Key(key.Ino));

    public override string ToString() => $"clear retry {key}";
}

/// <summary>A recall's row; a recall that named no path gets the inode's path from the namespace (or its tier row).</summary>
internal sealed class PutRecall(RecallRow r) : IndexWrite
{
    public override void Apply(WriteStatements s) => Run(s.Adhoc(
            "INSERT INTO recalls (file_id, path, trigger, pid, uid, gid, command, started, ended, bytes, result, error) VALUES ($1, " +
            "coalesce($2, (SELECT path(parent_id, name) FROM entries WHERE ino = $13 AND dev = $14 AND type = 'f' LIMIT 1), " +
            "(SELECT path FROM tier WHERE dev = $14 AND ino = $13)), $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)", 14),
        Db.Text(r.FileId), Db.Text(r.Path), r.Trigger, (long)r.Pid, (long)r.Uid, (long)r.Gid, r.Command, r.StartedMs, r.EndedMs, r.Bytes,
        r.Result, Db.Text(r.Error), Db.Key(r.Key.Ino), Db.Key(r.Key.Dev));

    public override string ToString() => $"recall {r.Path ?? r.Key.ToString()} {r.Result}";
}
