namespace TierFs.Tiering.Config;

/// <summary>What a policy does to the files it selects.</summary>
public enum PolicyAction
{
    /// <summary>Archive, then release (forward migration).</summary>
    Migrate,
    /// <summary>Copy to the remote tier, keep the local data.</summary>
    Archive,
    /// <summary>Drop the local data of files already archived.</summary>
    Release,
    /// <summary>Bring released stubs' data back (reverse migration ahead of use: prestaging).</summary>
    Recall,
}

/// <summary>
/// One policy: an SQL condition over the index's <c>files</c> view. The loader checks only its
/// shape; the condition is compiled against the index schema by TierFs.Policies' validator.
/// </summary>
public sealed record PolicyConfig
{
    public const string DefaultOrder = "size DESC";
    public const int DefaultPriority = 100;

    public required string Name { get; init; }
    /// <summary>Lower runs first; equal priorities run in file order.</summary>
    public int Priority { get; init; } = DefaultPriority;
    public PolicyAction Action { get; init; } = PolicyAction.Migrate;
    public required string Where { get; init; }
    public string Order { get; init; } = DefaultOrder;
    /// <summary>Per run; null = no limit.</summary>
    public long? MaxFiles { get; init; }
    /// <summary>Per run; a file that would exceed it is left for a later run. Null = no limit.</summary>
    public long? MaxBytes { get; init; }
    /// <summary>The policy's line in the config file, for messages.</summary>
    public int Line { get; init; }
    /// <summary>The lines of its where and order keys (the policy's line when absent): a bad condition is reported there.</summary>
    public int WhereLine { get; init; }
    public int OrderLine { get; init; }
}
