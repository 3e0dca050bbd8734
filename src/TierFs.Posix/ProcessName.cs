namespace TierFs.Posix;

/// <summary>A process's command name (/proc/PID/comm), for log lines that say who did something.</summary>
public static class ProcessName
{
    /// <summary>"pid=P uid=U comm=NAME"; the name is "?" once the process is gone.</summary>
    public static string Describe(int pid, uint uid) => $"pid={pid} uid={uid} comm={Of(pid)}";

    public static string Of(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/comm").TrimEnd('\n'); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return "?"; }
    }

    /// <summary>The supplementary groups of a process (the "Groups:" line of /proc/PID/status); empty once it is gone.</summary>
    public static IReadOnlyList<uint> Groups(int pid)
    {
        try
        {
            if (StatusLine(pid, "Groups:") is { } groups)
                return groups.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)
                    .Select(g => uint.Parse(g, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        }
        catch (Exception e) when (e is FormatException or OverflowException) { }
        return [];
    }

    /// <summary>Whether a process has capability number <paramref name="bit"/> in its effective set ("CapEff:"); false once it is gone.</summary>
    public static bool HasCapability(int pid, int bit) =>
        StatusLine(pid, "CapEff:") is { } caps
        && ulong.TryParse(caps.Trim(), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out var set)
        && (set & (1UL << bit)) != 0;

    private static string? StatusLine(int pid, string key)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith(key, StringComparison.Ordinal)) return line[key.Length..];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return null;
    }
}
