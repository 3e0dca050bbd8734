using TierFs.Tiering.Config;

namespace TierFs.Daemon;

/// <summary>When the next periodic run starts: an interval from now, but never outside the window.</summary>
public static class RunTimes
{
    /// <summary>
    /// <paramref name="now"/> + <paramref name="interval"/>; when that falls outside
    /// <paramref name="window"/>, the window's next start after it instead (the daemon is paused
    /// until then). Local times are those of <paramref name="zone"/>.
    /// </summary>
    public static DateTimeOffset Next(DateTimeOffset now, TimeSpan interval, TimeWindow? window, TimeZoneInfo zone)
    {
        var next = now + interval;
        if (window is not { } w) return next;
        var local = TimeZoneInfo.ConvertTime(next, zone);
        if (w.Contains(TimeOnly.FromDateTime(local.DateTime))) return next;
        return StartAfter(local, w, zone);
    }

    /// <summary>The first start of <paramref name="window"/> after <paramref name="local"/> (a local time of <paramref name="zone"/>).</summary>
    public static DateTimeOffset StartAfter(DateTimeOffset local, TimeWindow window, TimeZoneInfo zone)
    {
        var day = local.DateTime.Date;
        for (var i = 0; i < 3; i++, day = day.AddDays(1))
        {
            var start = day + window.Start.ToTimeSpan();
            // A start that does not exist that day (a DST gap) is taken an hour later.
            if (zone.IsInvalidTime(start)) start = start.AddHours(1);
            var at = new DateTimeOffset(start, zone.GetUtcOffset(start));
            if (at > local) return at;
        }
        throw new InvalidOperationException("no window start within three days"); // cannot happen: a window starts every day
    }

    /// <summary>True when <paramref name="now"/> is outside the window: nothing starts before its start.</summary>
    public static bool Paused(DateTimeOffset now, TimeWindow? window, TimeZoneInfo zone) =>
        window is { } w && !w.Contains(TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime));
}
