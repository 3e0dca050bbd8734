using System.Globalization;

namespace TierFs.Daemon;

/// <summary>A duration as the config writes it: "10m", "1h", "90s", "250ms".</summary>
public static class Durations
{
    public static string Format(TimeSpan t)
    {
        foreach (var (unit, size) in new[] { ("d", TimeSpan.FromDays(1)), ("h", TimeSpan.FromHours(1)), ("m", TimeSpan.FromMinutes(1)), ("s", TimeSpan.FromSeconds(1)) })
            if (t >= size && t.Ticks % size.Ticks == 0) return (t.Ticks / size.Ticks).ToString(CultureInfo.InvariantCulture) + unit;
        return ((long)t.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
    }
}
