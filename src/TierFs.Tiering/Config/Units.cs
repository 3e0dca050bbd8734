using System.Globalization;
using System.Text.RegularExpressions;

namespace TierFs.Tiering.Config;

/// <summary>Durations (30s, 10m, 1h, 7d) and sizes (1048576, 16M, 100G) as written in the config.</summary>
public static partial class Units
{
    [GeneratedRegex(@"^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$")]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)\s*([KMGTP]i?B?|B)?$", RegexOptions.IgnoreCase)]
    private static partial Regex SizePattern();

    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = default;
        var m = DurationPattern().Match(text.Trim());
        if (!m.Success) return false;
        var n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        var unit = m.Groups[2].Value switch
        {
            "ms" => TimeSpan.FromMilliseconds(1),
            "s" => TimeSpan.FromSeconds(1),
            "m" => TimeSpan.FromMinutes(1),
            "h" => TimeSpan.FromHours(1),
            _ => TimeSpan.FromDays(1),
        };
        // Beyond what a TimeSpan holds (about 29,000 years) is not a duration but a typo.
        var ticks = n * unit.Ticks;
        if (ticks >= TimeSpan.MaxValue.Ticks) return false;
        value = TimeSpan.FromTicks((long)ticks);
        return true;
    }

    /// <summary>A duration as the config writes it, the largest whole unit: "10m", "1h", "90s", "250ms".</summary>
    public static string FormatDuration(TimeSpan t)
    {
        if (t == TimeSpan.Zero) return "0s";
        foreach (var (unit, size) in new[] { ("d", TimeSpan.FromDays(1)), ("h", TimeSpan.FromHours(1)), ("m", TimeSpan.FromMinutes(1)), ("s", TimeSpan.FromSeconds(1)) })
            if (t >= size && t.Ticks % size.Ticks == 0) return (t.Ticks / size.Ticks).ToString(CultureInfo.InvariantCulture) + unit;
        return ((long)t.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
    }

    /// <summary>Sizes are binary: 1K = 1024 bytes, 1M = 1048576 (K, KB, KiB alike).</summary>
    public static bool TryParseSize(string text, out long value)
    {
        value = 0;
        var m = SizePattern().Match(text.Trim());
        if (!m.Success) return false;
        var n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        var unit = m.Groups[2].Success ? char.ToUpperInvariant(m.Groups[2].Value[0]) : 'B';
        var shift = unit switch { 'K' => 10, 'M' => 20, 'G' => 30, 'T' => 40, 'P' => 50, _ => 0 };
        var bytes = n * Math.Pow(2, shift);
        // (double)long.MaxValue rounds up to 2^63, which does not fit.
        if (bytes >= long.MaxValue || bytes != Math.Floor(bytes)) return false;
        value = (long)bytes;
        return true;
    }

    /// <summary>A size as the config writes it, the largest whole binary unit: "16M", "1G", "4096".</summary>
    public static string FormatSize(long bytes)
    {
        foreach (var (unit, shift) in new[] { ("T", 40), ("G", 30), ("M", 20), ("K", 10) })
            if (bytes > 0 && bytes % (1L << shift) == 0) return (bytes >> shift).ToString(CultureInfo.InvariantCulture) + unit;
        return bytes.ToString(CultureInfo.InvariantCulture);
    }
}
