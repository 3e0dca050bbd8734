using TierFs.Common;
using TierFs.Index;

namespace TierFs.Ops.Alarms;

/// <summary>
/// The mount's alarms: raised (a row in the alarms table, one line at error level in the log, and
/// the configured command and webhook), listed while open, acknowledged by an administrator.
/// </summary>
public sealed class AlarmBook(TierIndex index, AlarmNotifier notifier)
{
    private const string Source = "alarm";

    public AlarmRow Raise(string source, long? run, string message)
    {
        var alarm = new AlarmRow { Id = index.NewAlarmId(), RaisedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Source = source, Run = run, Message = message };
        index.PutAlarm(alarm);
        index.Flush();
        Log.Error(Source, $"alarm {alarm.Id}: {message}");
        notifier.Notify(alarm);
        return alarm;
    }

    public IReadOnlyList<AlarmRow> Open()
    {
        index.Flush();
        return index.Alarms(openOnly: true);
    }

    /// <summary>Closes an open alarm: null, or why not (no such alarm, or acknowledged already).</summary>
    public string? Ack(long id, string by)
    {
        index.Flush();
        var alarm = index.Alarm(id);
        if (alarm is null) return $"there is no alarm {id} (tierfs alarms lists the open ones)";
        if (!alarm.IsOpen) return $"alarm {id} was acknowledged already, at {DateTimeOffset.FromUnixTimeMilliseconds(alarm.AckedMs).ToLocalTime():yyyy-MM-dd HH:mm:ss} by {alarm.AckedBy}";
        index.PutAlarm(alarm with { AckedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), AckedBy = by });
        index.Flush();
        Log.Info(Source, $"alarm {id} acknowledged by {by}");
        return null;
    }
}
