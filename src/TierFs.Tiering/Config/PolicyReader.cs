using System.Text.RegularExpressions;

namespace TierFs.Tiering.Config;

/// <summary>
/// Reads the <c>policies</c> list and the <c>schedule</c> section. The conditions are only checked
/// for presence here: compiling them needs the index schema (TierFs.Policies' validator).
/// </summary>
internal static partial class PolicyReader
{
    // Names are given on the command line (tierfs policy run NAME) and printed in logs.
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex NamePattern();

    public static IReadOnlyList<PolicyConfig> ReadPolicies(YamlSection top)
    {
        var policies = new List<PolicyConfig>();
        foreach (var s in top.List("policies"))
        {
            var name = s.RequiredString("name");
            if (!NamePattern().IsMatch(name))
                throw s.Error("name", $"expected letters, digits, '.', '_' or '-', got '{name}'");
            if (policies.Any(p => p.Name == name))
                throw s.Error("name", $"'{name}' is already the name of another policy");
            var policy = new PolicyConfig
            {
                Name = name,
                Priority = s.Int("priority", PolicyConfig.DefaultPriority, 0, 1_000_000),
                Action = s.Enum("action", PolicyAction.Migrate,
                    ("migrate", PolicyAction.Migrate), ("archive", PolicyAction.Archive), ("release", PolicyAction.Release),
                    ("recall", PolicyAction.Recall)),
                Where = s.RequiredString("where"),
                Order = s.String("order") ?? PolicyConfig.DefaultOrder,
                MaxFiles = s.OptionalLong("max_files", 1),
                MaxBytes = s.OptionalSize("max_bytes", 1),
                Line = s.Line,
                WhereLine = s.LineOf("where"),
                OrderLine = s.LineOf("order"),
            };
            s.RejectUnknown();
            policies.Add(policy);
        }
        return policies;
    }

    public static ScheduleConfig ReadSchedule(YamlSection top)
    {
        var s = top.Section("schedule");
        if (s is null) return new ScheduleConfig();
        var defaults = new ScheduleConfig();
        var schedule = new ScheduleConfig
        {
            // A wait longer than ~49 days is more than a timer can hold.
            Interval = s.Duration("interval", defaults.Interval, TimeSpan.FromSeconds(1), TimeSpan.FromDays(30)),
            Window = ReadWindow(s),
            Workers = s.Int("workers", defaults.Workers, 1, 64),
            UsageHigh = s.OptionalInt("usage_high", 1, 99),
            UsageLow = s.OptionalInt("usage_low", 1, 99),
            MinAge = s.Duration("min_age", defaults.MinAge, TimeSpan.Zero, ConfigLoader.MaxDuration),
            Retries = s.Int("retries", defaults.Retries, 0, 100),
            RetryBackoff = s.Duration("retry_backoff", defaults.RetryBackoff, TimeSpan.Zero, TimeSpan.FromDays(30)),
        };
        s.RejectUnknown();
        switch (schedule.UsageHigh, schedule.UsageLow)
        {
            case (null, null):
                break;
            case (null, _):
                throw s.Error("usage_high", "is required with usage_low");
            case (_, null):
                throw s.Error("usage_low", "is required with usage_high");
            case var (high, low) when low >= high:
                throw s.Error("usage_low", $"must be lower than usage_high ({high}), got {low}");
        }
        return schedule;
    }

    internal static TimeWindow? ReadWindow(YamlSection s)
    {
        var text = s.String("window");
        if (text is null) return null;
        if (!TimeWindow.TryParse(text, out var window))
            throw s.Error("window", $"expected a daily window like \"00:00-04:00\" (start and end differ; may wrap midnight), got '{text}'");
        return window;
    }
}
