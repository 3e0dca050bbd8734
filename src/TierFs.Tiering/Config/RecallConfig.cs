namespace TierFs.Tiering.Config;

/// <summary>
/// Who may recall and how many recalls run at once (the <c>recall</c> section). Read by the engine
/// at each recall, so a reload takes effect for the next one.
/// </summary>
public sealed record RecallConfig
{
    /// <summary>Commands (/proc/PID/comm of the opener, at most 15 characters) whose opens of a stub are refused.</summary>
    public IReadOnlyList<string> DenyCommands { get; init; } = [];
    /// <summary>Users whose opens of a stub are refused.</summary>
    public IReadOnlyList<uint> DenyUids { get; init; } = [];
    /// <summary>Groups (the opener's gid or any of its supplementary groups) whose opens of a stub are refused.</summary>
    public IReadOnlyList<uint> DenyGids { get; init; } = [];
    /// <summary>Users never refused by the rules above.</summary>
    public IReadOnlyList<uint> AllowUids { get; init; } = [];
    /// <summary>Groups never refused by the rules above.</summary>
    public IReadOnlyList<uint> AllowGids { get; init; } = [];
    /// <summary>Recalls downloading at once; more wait in a queue.</summary>
    public int MaxConcurrent { get; init; } = 16;
    /// <summary>Recalls waiting for a turn at most; an open that would queue one more fails with EAGAIN.</summary>
    public int MaxQueued { get; init; } = 10000;

    /// <summary>Whether any rule may refuse someone (else nothing about the caller needs reading).</summary>
    public bool HasRules => DenyCommands.Count > 0 || DenyUids.Count > 0 || DenyGids.Count > 0;

    // Lists compare by their items: a reload that names the same commands changes nothing.
    public bool Equals(RecallConfig? other) =>
        other is not null && DenyCommands.SequenceEqual(other.DenyCommands) && DenyUids.SequenceEqual(other.DenyUids) &&
        DenyGids.SequenceEqual(other.DenyGids) && AllowUids.SequenceEqual(other.AllowUids) && AllowGids.SequenceEqual(other.AllowGids) &&
        MaxConcurrent == other.MaxConcurrent && MaxQueued == other.MaxQueued;

    public override int GetHashCode() => HashCode.Combine(DenyCommands.Count, DenyUids.Count, MaxConcurrent, MaxQueued);
}
