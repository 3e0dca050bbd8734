namespace TierFs.Tiering.Config;

/// <summary>
/// The configuration in force for one mount, shared by the engine and the daemon: `tierfs reload`
/// (and SIGHUP) replaces it as a whole, so a reader sees either the old or the new one, never a mix.
/// </summary>
public sealed class ConfigHolder(TierFsConfig initial)
{
    private volatile TierFsConfig _current = initial;

    public TierFsConfig Current => _current;

    /// <summary>Raised after a new configuration took effect (the daemon plans its next run again).</summary>
    public event Action<TierFsConfig>? Changed;

    public void Set(TierFsConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _current = config;
        Changed?.Invoke(config);
    }
}
