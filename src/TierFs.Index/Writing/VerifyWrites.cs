using TierFs.Index.Storage;

namespace TierFs.Index.Writing;

internal sealed class PutVerifyRun(VerifyRunRow v) : IndexWrite
{
    public override void Apply(WriteStatements s) => Run(s.Adhoc(
            "INSERT OR REPLACE INTO verify_runs (id, started, finished, level, trigger, scope, repair, files, objects, bytes, missing, size_differs, " +
            "checksum_differs, orphans, record_index, foreign_records, errors, repaired, status, message) " +
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)", 20),
        v.Id, v.StartedMs, v.FinishedMs, v.Level, v.Trigger, Db.Text(v.Scope), v.Repair ? 1L : 0L, v.Files, v.Objects, v.Bytes, v.Missing, v.SizeDiffers,
        v.ChecksumDiffers, v.Orphans, v.RecordIndex, v.Foreign, v.Errors, v.Repaired, v.Status, Db.Text(v.Message));

    public override string ToString() => $"verify run {v.Id} {v.Status}";
}

internal sealed class PutVerifyDiff(VerifyDiffRow d) : IndexWrite
{
    public override void Apply(WriteStatements s) => Run(s.Adhoc(
            "INSERT OR REPLACE INTO verify_diffs (run, seq, kind, path, object_key, detail, repair) VALUES ($1, $2, $3, $4, $5, $6, $7)", 7),
        d.Run, d.Seq, d.Kind, Db.Text(d.Path), Db.Text(d.ObjectKey), d.Detail, Db.Text(d.Repair));

    public override string ToString() => $"verify diff {d.Run}/{d.Seq} {d.Kind}";
}

internal sealed class PutAlarm(AlarmRow a) : IndexWrite
{
    public override void Apply(WriteStatements s) => Run(s.Adhoc(
            "INSERT OR REPLACE INTO alarms (id, raised, source, run, message, acked, acked_by) VALUES ($1, $2, $3, $4, $5, $6, $7)", 7),
        a.Id, a.RaisedMs, a.Source, a.Run is { } run ? run : DBNull.Value, a.Message, a.AckedMs, Db.Text(a.AckedBy));

    public override string ToString() => $"alarm {a.Id}";
}
