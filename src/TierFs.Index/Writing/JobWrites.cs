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
