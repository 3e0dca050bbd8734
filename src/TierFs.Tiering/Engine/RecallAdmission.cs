using TierFs.Tiering.Config;

namespace TierFs.Tiering.Engine;

/// <summary>
/// The <c>recall</c> section's rules: whose accesses to a stub may start a recall. `tierfs recall`
/// by root is never refused; an allowed uid or group is never refused; otherwise a denied
/// command, uid or group is.
/// </summary>
public static class RecallAdmission
{
    /// <summary>Why <paramref name="cause"/> may not recall (naming the rule), or null when it may.</summary>
    public static string? Refuses(RecallConfig rules, RecallCause cause)
    {
        if (cause.IsRootCommand || !rules.HasRules) return null;
        if (rules.AllowUids.Contains(cause.Uid)) return null;
        var groups = rules.AllowGids.Count + rules.DenyGids.Count > 0 ? cause.Groups : [];
        if (rules.AllowGids.Any(groups.Contains)) return null;
        if (rules.DenyCommands.Contains(cause.Command, StringComparer.Ordinal)) return $"command '{cause.Command}' is in recall.deny_commands";
        if (rules.DenyUids.Contains(cause.Uid)) return $"uid {cause.Uid} is in recall.deny_uids";
        foreach (var g in rules.DenyGids)
            if (groups.Contains(g)) return $"group {g} is in recall.deny_gids";
        return null;
    }
}
