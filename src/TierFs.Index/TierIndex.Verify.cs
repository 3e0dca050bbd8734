using TierFs.Index.Reading;
using TierFs.Index.Writing;

namespace TierFs.Index;

/// <summary>Verify runs, their differences, and alarms.</summary>
public sealed partial class TierIndex
{
    private long _lastVerifyRunId = -1, _lastAlarmId = -1;
    private readonly Lock _verifyIds = new();

    /// <summary>A fresh verify run id (handed out before the row is committed).</summary>
    public long NewVerifyRunId()
    {
        lock (_verifyIds)
        {
            if (_lastVerifyRunId < 0) _lastVerifyRunId = _readers.Use(s => VerifyQueries.MaxId(s.Connection, "verify_runs"));
            return ++_lastVerifyRunId;
        }
    }

    /// <summary>A fresh alarm id.</summary>
    public long NewAlarmId()
    {
        lock (_verifyIds)
        {
            if (_lastAlarmId < 0) _lastAlarmId = _readers.Use(s => VerifyQueries.MaxId(s.Connection, "alarms"));
            return ++_lastAlarmId;
        }
    }

    /// <summary>Writes the whole run row (at its start, and again when it ends).</summary>
    public void PutVerifyRun(VerifyRunRow run)
    {
        ArgumentNullException.ThrowIfNull(run);
        _writer.Enqueue(new PutVerifyRun(run));
    }

    public void PutVerifyDiff(VerifyDiffRow diff)
    {
        ArgumentNullException.ThrowIfNull(diff);
        _writer.Enqueue(new PutVerifyDiff(diff));
    }

    /// <summary>Writes the whole alarm row (raised, and again when acknowledged).</summary>
    public void PutAlarm(AlarmRow alarm)
    {
        ArgumentNullException.ThrowIfNull(alarm);
        _writer.Enqueue(new PutAlarm(alarm));
    }

    /// <summary>The newest <paramref name="n"/> runs, oldest first.</summary>
    public IReadOnlyList<VerifyRunRow> RecentVerifyRuns(int n) => n <= 0 ? [] : _readers.Use(s => VerifyQueries.RecentRuns(s.Connection, n));

    /// <summary>The newest run that ended with <paramref name="status"/>, or null.</summary>
    public VerifyRunRow? LastVerifyRun(string status) => _readers.Use(s => VerifyQueries.LastRun(s.Connection, status));

    /// <summary>A run's differences, in the order found (at most <paramref name="limit"/>).</summary>
    public IReadOnlyList<VerifyDiffRow> VerifyDiffs(long run, int limit = int.MaxValue) => _readers.Use(s => VerifyQueries.Diffs(s.Connection, run, limit));

    /// <summary>Alarms, oldest first: the open ones, or all.</summary>
    public IReadOnlyList<AlarmRow> Alarms(bool openOnly, int limit = 1000) => _readers.Use(s => VerifyQueries.Alarms(s.Connection, openOnly, limit));

    public AlarmRow? Alarm(long id) => _readers.Use(s => VerifyQueries.Alarm(s.Connection, id));

    /// <summary>Every object key a tier record references (archives and stubs, any remote).</summary>
    public HashSet<string> ReferencedObjectKeys() => _readers.Use(s => VerifyQueries.ReferencedKeys(s.Connection));

    /// <summary>Every object key queued for deletion.</summary>
    public HashSet<string> PendingDeleteKeys() => _readers.Use(s => VerifyQueries.PendingDeleteKeys(s.Connection));
}
