using System.Globalization;

namespace TierFs.Cli.Commands.Tier;

/// <summary>Bytes in binary units with one decimal: "512 B", "1.2 GiB".</summary>
public static class ByteSize
{
    private static readonly string[] Units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

    public static string Format(long bytes)
    {
        if (bytes < 1024) return bytes.ToString(CultureInfo.InvariantCulture) + " B";
        double value = bytes;
        var unit = 0;
        // 1023.96 MiB would print as "1024.0 MiB": move up a unit once it rounds to 1024.
        while (value >= 1023.95 && unit < Units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return value.ToString("0.0", CultureInfo.InvariantCulture) + " " + Units[unit];
    }
}
