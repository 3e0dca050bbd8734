using Microsoft.Data.Sqlite;
using TierFs.Index.Reading;
using TierFs.Index.Storage;

namespace TierFs.Index.Writing;

/// <summary>
/// The job store's decisions, each one transaction on the writer's connection (between two of
/// its batches), so that what they decide is committed before anyone acts on it: a job's id,
/// which files a job may move, which claims are handed back.
/// </summary>
internal static class JobTransactions
{
    public static long NextRun(SqliteConnection c, string owner, long nowMs)
    {
        using var tx = c.BeginTransaction(deferred: false);
        // Above the jobs' runs too: runs before this table existed are only there.
        using var insert = Command(c, tx,
            "INSERT INTO runs (id, started, owner) VALUES (max((SELECT coalesce(max(id), 0) FROM runs), (SELECT coalesce(max(run), 0) FROM jobs)) + 1, $now, $owner) " +
            "RETURNING id", ("$now", nowMs), ("$owner", owner));
        var run = (long)insert.ExecuteScalar()!;
        using (var prune = Command(c, tx, "DELETE FROM runs WHERE id < $run", ("$run", run)))
            prune.ExecuteNonQuery();
        tx.Commit();
        return run;
    }

    public static JobRow Insert(SqliteConnection c, JobRow job, long expiresMs)
    {
        using var tx = c.BeginTransaction(deferred: false);
        using var insert = Command(c, tx,
            "INSERT INTO jobs (run, kind, policy, action, started, finished, planned, files, bytes, skipped, failed, status, owner, expires) " +
            "VALUES ($run, $kind, $policy, $action, $started, $finished, $planned, $files, $bytes, $skipped, $failed, $status, $owner, $expires) RETURNING id",
            ("$run", job.Run), ("$kind", job.Kind), ("$policy", Db.Text(job.Policy)), ("$action", job.Action), ("$started", job.StartedMs),
            ("$finished", job.FinishedMs), ("$planned", job.Planned), ("$files", job.Files), ("$bytes", job.Bytes), ("$skipped", job.Skipped),
            ("$failed", job.Failed), ("$status", job.Status), ("$owner", Db.Text(job.Owner)), ("$expires", expiresMs));
        var id = (long)insert.ExecuteScalar()!;
        tx.Commit();
        return job with { Id = id };
    }

    public static (IReadOnlyList<string>, IReadOnlyList<ClaimRow>) Claim(SqliteConnection c, long job, string owner, IReadOnlyList<string> files, long nowMs, long expiresMs)
    {
        using var tx = c.BeginTransaction(deferred: false);
        // Taken when free, expired, or this job's already; otherwise the row is left as it is (no change).
        using var claim = Command(c, tx,
            "INSERT INTO claims (file, job, owner, expires) VALUES ($file, $job, $owner, $expires) " +
            "ON CONFLICT (file) DO UPDATE SET job = excluded.job, owner = excluded.owner, expires = excluded.expires " +
            "WHERE claims.expires <= $now OR (claims.job = excluded.job AND claims.owner = excluded.owner)",
            ("$file", ""), ("$job", job), ("$owner", owner), ("$expires", expiresMs), ("$now", nowMs));
        using var holder = Command(c, tx, "SELECT file, job, owner, expires FROM claims WHERE file = $file", ("$file", ""));
        var granted = new List<string>();
        var refused = new List<ClaimRow>();
        foreach (var file in files)
        {
            claim.Parameters["$file"].Value = file;
            if (claim.ExecuteNonQuery() == 1)
            {
                granted.Add(file);
                continue;
            }
            holder.Parameters["$file"].Value = file;
            using var r = holder.ExecuteReader();
            if (r.Read()) refused.Add(JobQueries.ReadClaim(r));
        }
        tx.Commit();
        return (granted, refused);
    }

    public static IReadOnlySet<string> Renew(SqliteConnection c, long job, string owner, long expiresMs)
    {
        using var tx = c.BeginTransaction(deferred: false);
        using (var claims = Command(c, tx, "UPDATE claims SET expires = $expires WHERE job = $job AND owner = $owner", ("$expires", expiresMs), ("$job", job), ("$owner", owner)))
            claims.ExecuteNonQuery();
        using (var jobs = Command(c, tx, "UPDATE jobs SET expires = $expires WHERE id = $job AND status = 'running'", ("$expires", expiresMs), ("$job", job)))
            jobs.ExecuteNonQuery();
        var held = new HashSet<string>(StringComparer.Ordinal);
        using (var select = Command(c, tx, "SELECT file FROM claims WHERE job = $job AND owner = $owner", ("$job", job), ("$owner", owner)))
        using (var r = select.ExecuteReader())
            while (r.Read()) held.Add(r.GetString(0));
        tx.Commit();
        return held;
    }

    public static (IReadOnlyList<ClaimRow>, IReadOnlyList<JobRow>) HandBack(SqliteConnection c, long nowMs)
    {
        using var tx = c.BeginTransaction(deferred: false);
        var claims = new List<ClaimRow>();
        using (var delete = Command(c, tx, "DELETE FROM claims WHERE expires <= $now RETURNING file, job, owner, expires", ("$now", nowMs)))
        using (var r = delete.ExecuteReader())
            while (r.Read()) claims.Add(JobQueries.ReadClaim(r));
        // Rows written before leases were recorded (expires 0) that still say running were left by a daemon that died too.
        var jobs = new List<JobRow>();
        using (var interrupt = Command(c, tx,
                   "UPDATE jobs SET status = 'interrupted', finished = max(started, expires), expires = 0 " +
                   $"WHERE status = 'running' AND expires <= $now RETURNING {JobQueries.JobColumns}", ("$now", nowMs)))
        using (var r = interrupt.ExecuteReader())
            while (r.Read()) jobs.Add(JobQueries.ReadJob(r));
        tx.Commit();
        return (claims, jobs);
    }

    private static SqliteCommand Command(SqliteConnection c, SqliteTransaction tx, string sql, params (string Name, object Value)[] parameters)
    {
        var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return command;
    }
}
