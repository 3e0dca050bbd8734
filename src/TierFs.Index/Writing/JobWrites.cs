using TierFs.Index.Storage;

namespace TierFs.Index.Writing;

internal sealed class PutJob(JobRow j, long expiresMs) : IndexWrite
{
    public override void Apply(WriteStatements s) => Run(s.Adhoc(
            "INSERT OR REPLACE INTO jobs (id, run, kind, policy, action, started, finished, planned, files, bytes, skipped, failed, status, owner, expires) " +
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)", 15),
        j.Id, j.Run, j.Kind, Db.Text(j.Policy), j.Action, j.StartedMs, j.FinishedMs, j.Planned, j.Files, j.Bytes, j.Skipped, j.Failed, j.Status,
        Db.Text(j.Owner), expiresMs);

    public override string ToString() => $"job {j.Id} {j.Policy ?? j.Kind} {j.Status}";
}

internal sealed class PutRetry(RetryRow r) : IndexWrite
{
    public override void Apply(WriteStatements s) => Run(s.Adhoc(
            "INSERT OR REPLACE INTO retries (file, mtime, attempts, next_try, last_error) VALUES ($1, $2, $3, $4, $5)", 5),
        r.File, r.MtimeNs, (long)r.Attempts, r.NextTryMs, Db.Text(r.LastError));

    public override string ToString() => $"retry {r.File} attempt {r.Attempts}";
}

internal sealed class ClearRetry(string file) : IndexWrite
{
    public override void Apply(WriteStatements s) => Run(s.Adhoc("DELETE FROM retries WHERE file = $1", 1), file);

    public override string ToString() => $"clear retry {file}";
}

internal sealed class ReleaseClaim(long job, string file) : IndexWrite
{
    public override void Apply(WriteStatements s) => Run(s.Adhoc("DELETE FROM claims WHERE file = $1 AND job = $2", 2), file, job);

    public override string ToString() => $"release claim {file} of job {job}";
}

internal sealed class ReleaseClaims(long job) : IndexWrite
{
    public override void Apply(WriteStatements s) => Run(s.Adhoc("DELETE FROM claims WHERE job = $1", 1), job);

    public override string ToString() => $"release the claims of job {job}";
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
