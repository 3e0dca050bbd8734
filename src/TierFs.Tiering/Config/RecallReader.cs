using System.Globalization;

namespace TierFs.Tiering.Config;

/// <summary>The <c>recall</c> section: admission rules and the number of recalls at once.</summary>
internal static class RecallReader
{
    // TASK_COMM_LEN is 16 with the NUL: a longer name never equals /proc/PID/comm.
    private const int CommLength = 15;

    public static RecallConfig Read(YamlSection top)
    {
        var s = top.Section("recall");
        if (s is null) return new RecallConfig();
        var defaults = new RecallConfig();
        var commands = s.Strings("deny_commands");
        foreach (var c in commands)
            if (c.Length == 0 || c.Length > CommLength || c.Contains('/'))
                throw s.Error("deny_commands", $"'{c}': expected a command name as /proc/PID/comm shows it (1 to {CommLength} characters, no '/'; " +
                                               "a longer program name is cut to its first 15 characters there)");
        var config = new RecallConfig
        {
            DenyCommands = commands,
            DenyUids = Ids(s, "deny_uids"),
            DenyGids = Ids(s, "deny_gids"),
            AllowUids = Ids(s, "allow_uids"),
            AllowGids = Ids(s, "allow_gids"),
            MaxConcurrent = s.Int("max_concurrent", defaults.MaxConcurrent, 1, 1024),
            MaxQueued = s.Int("max_queued", defaults.MaxQueued, 0, 1_000_000),
        };
        s.RejectUnknown();
        return config;
    }

    private static IReadOnlyList<uint> Ids(YamlSection s, string key) =>
        s.Strings(key).Select(v => uint.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id != uint.MaxValue
            ? id
            : throw s.Error(key, $"expected numeric ids (like 1000), got '{v}'")).ToList();
}
