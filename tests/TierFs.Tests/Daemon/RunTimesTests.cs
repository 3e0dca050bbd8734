using TierFs.Daemon;
using TierFs.Tiering.Config;

namespace TierFs.Tests.Daemon;

/// <summary>The next periodic run is never outside the window: outside it, the window's next start.</summary>
public class RunTimesTests
{
    private static readonly TimeZoneInfo Utc = TimeZoneInfo.Utc;

    private static DateTimeOffset At(string text) => DateTimeOffset.Parse(text + "Z", System.Globalization.CultureInfo.InvariantCulture);

    private static TimeWindow Window(string text)
    {
        Assert.True(TimeWindow.TryParse(text, out var w));
        return w;
    }

    [Theory]
    [InlineData("2026-11-21T12:00:00", "10m", null, "2026-11-21T12:10:00")]
    [InlineData("2026-11-21T01:00:00", "10m", "00:00-04:00", "2026-11-21T01:10:00")]
    [InlineData("2026-11-21T03:55:00", "10m", "00:00-04:00", "2026-11-22T00:00:00")]
    [InlineData("2026-11-21T12:00:00", "10m", "00:00-04:00", "2026-11-22T00:00:00")]
    [InlineData("2026-11-21T21:55:00", "10m", "22:00-04:00", "2026-11-21T22:05:00")]
    [InlineData("2026-11-21T21:00:00", "10m", "22:00-04:00", "2026-11-21T22:00:00")]
    [InlineData("2026-11-21T23:55:00", "10m", "22:00-04:00", "2026-11-22T00:05:00")]
    [InlineData("2026-11-21T03:59:00", "1m", "22:00-04:00", "2026-11-21T22:00:00")]
    public void The_next_run_is_inside_the_window(string now, string interval, string? window, string expected)
    {
        Assert.True(Units.TryParseDuration(interval, out var every));
        var next = RunTimes.Next(At(now), every, window is null ? null : Window(window), Utc);
        Assert.Equal(At(expected), next);
        if (window is not null) Assert.True(Window(window).Contains(TimeOnly.FromDateTime(next.UtcDateTime)));
    }

    [Theory]
    [InlineData("2026-11-21T12:00:00", "00:00-04:00", true)]
    [InlineData("2026-11-21T02:00:00", "00:00-04:00", false)]
    [InlineData("2026-11-21T02:00:00", null, false)]
    public void Paused_outside_the_window(string now, string? window, bool paused) =>
        Assert.Equal(paused, RunTimes.Paused(At(now), window is null ? null : Window(window), Utc));
}
