using System.Globalization;

namespace TierFs.Tiering.Config;

/// <summary>A daily time window "HH:MM-HH:MM" in local time; "22:00-04:00" wraps midnight. The end is excluded.</summary>
public readonly record struct TimeWindow(TimeOnly Start, TimeOnly End)
{
    public bool Contains(TimeOnly localTime) =>
        Start < End ? localTime >= Start && localTime < End : localTime >= Start || localTime < End;

    public static bool TryParse(string text, out TimeWindow window)
    {
        window = default;
        var parts = text.Split('-', StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || !TryParseTime(parts[0], out var start) || !TryParseTime(parts[1], out var end) || start == end)
            return false;
        window = new TimeWindow(start, end);
        return true;
    }

    private static bool TryParseTime(string text, out TimeOnly time) =>
        TimeOnly.TryParseExact(text, ["HH:mm", "H:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out time);

    public override string ToString() => $"{Start:HH:mm}-{End:HH:mm}";
}
