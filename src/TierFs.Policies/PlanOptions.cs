using TierFs.Index;
using TierFs.Index.Policies;
using TierFs.Tiering.Config;

namespace TierFs.Policies;

/// <summary>What a planning run needs besides the policies.</summary>
public sealed record PlanOptions
{
    public DateTimeOffset Now { get; init; } = DateTimeOffset.UtcNow;
    /// <summary>A file whose data changed (mtime) after Now − MinAge is hot: not selected.</summary>
    public TimeSpan MinAge { get; init; } = TimeSpan.FromHours(1);
    /// <summary>Files to pass over without counting them against any limit (waiting for a retry); null = none.</summary>
    public Func<FileCandidate, bool>? Skip { get; init; }
    /// <summary>This mount's remote tier (its identity): a recall policy takes only stubs archived there; null = any.</summary>
    public string? Remote { get; init; }

    public static PlanOptions From(ScheduleConfig schedule, DateTimeOffset now, Func<FileCandidate, bool>? skip = null, string? remote = null) =>
        new() { Now = now, MinAge = schedule.MinAge, Skip = skip, Remote = remote };

    internal long ChangedBeforeNs => (Now - MinAge).ToUnixTimeMilliseconds() * 1_000_000;
}
