namespace TierFs.Records;

/// <summary>A file's tier state, as in Lustre HSM.</summary>
public enum TierState
{
    /// <summary>Never archived (or its archive was dropped): data only local.</summary>
    Resident,
    /// <summary>The remote copy equals the local data.</summary>
    Archived,
    /// <summary>Archived, then changed locally: the remote copy is stale.</summary>
    Dirty,
    /// <summary>A stub: the data is only remote.</summary>
    Released,
    /// <summary>A stub whose remote object was found missing by an explicit check (tierfs check).</summary>
    Lost,
    /// <summary>A stub whose backing file was changed behind the mount: it matches its record no more (tierfs resolve).</summary>
    Mismatch,
}

[Flags]
public enum TierFlags
{
    None = 0,
    NoArchive = 1,
    NoRelease = 2,
}

public static class TierStateNames
{
    public static string Name(TierState s) => s.ToString().ToLowerInvariant();

    /// <summary>Every state's name, in the enum's order: the words of `tierfs state`, the files view and reports.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Enum.GetValues<TierState>().Select(Name)];

    /// <summary>"STATE[,flag...]" as `tierfs state` prints it.</summary>
    public static string Describe(TierState s, TierFlags flags)
    {
        var words = new List<string> { Name(s) };
        if (flags.HasFlag(TierFlags.NoArchive)) words.Add("noarchive");
        if (flags.HasFlag(TierFlags.NoRelease)) words.Add("norelease");
        return string.Join(',', words);
    }
}
