using TierFs.Host.Adapters;
using TierFs.Common;
using TierFs.Remote;
using TierFs.Tiering.Config;

namespace TierFs.Host;

/// <summary>What a reload did: the keys it changed, or why it changed nothing (bad input or not).</summary>
public sealed record ReloadOutcome(bool Ok, string Message, bool BadInput, IReadOnlyList<ConfigChange> Changes);

/// <summary>
/// `tierfs reload` and SIGHUP: reads the mount's configuration file again and checks it as a mount
/// does (every key, every policy, a new remote client answering) before anything changes; then
/// the policies, schedule, log level, delete grace and the remote's transfer settings take effect
/// at once. A bad file, or a change of the remote tier's identity, the cluster id or the pair,
/// changes nothing: the configuration in force stays.
/// </summary>
public sealed class ConfigReloader(string? configFile, string stateDir, ConfigHolder configs, ReloadableRemote remote, LogLevel mountLogLevel)
{
    private const string Source = "reload";
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(60);
    private readonly SemaphoreSlim _one = new(1, 1);

    public async Task<ReloadOutcome> ReloadAsync(CancellationToken ct)
    {
        await _one.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var outcome = await TryReloadAsync(ct).ConfigureAwait(false);
            if (outcome.Ok) Log.Info(Source, outcome.Message);
            else Log.Warn(Source, outcome.Message);
            return outcome;
        }
        finally
        {
            _one.Release();
        }
    }

    private async Task<ReloadOutcome> TryReloadAsync(CancellationToken ct)
    {
        if (configFile is null)
            return Refused("this mount was started without --config: there is no file to read again (mount again with one)", badInput: true);
        TierFsConfig next;
        try { next = TierFs.Policies.PolicyValidator.Load(configFile); }
        catch (ConfigException e) { return Refused($"{e.Message} (the configuration in force is unchanged)", badInput: true); }

        var changes = ConfigChanges.Between(configs.Current, next, RemoteFromConfig.DefaultArchive(stateDir));
        if (changes.FirstOrDefault(c => c.Kind == ChangeKind.Identity) is { } identity)
            return Refused($"{configFile}: {identity}: the remote tier's identity (type, bucket or path, prefix) cannot " +
                           "change on a running mount, its stubs are bound to it (unmount, then mount with the new configuration); nothing was changed", badInput: true);
        if (changes.FirstOrDefault(c => c.Kind == ChangeKind.Remount) is { } remount)
            return Refused($"{configFile}: {remount.Key} changes only when the tree is mounted again (cluster_id and pair are written into every object, metrics_listen is bound at the mount); nothing was changed", badInput: true);
        if (changes.Count == 0) return new ReloadOutcome(true, $"{configFile}: no change", false, changes);

        if (ConfigChanges.NeedsNewStore(changes))
        {
            IRemoteStore store;
            try { store = RemoteFromConfig.Create(next.Remote, stateDir, configFile); }
            catch (ConfigException e) { return Refused($"{e.Message} (the configuration in force is unchanged)", badInput: true); }
            try
            {
                await store.CheckAsync(ct).WaitAsync(CheckTimeout, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RemoteException or TimeoutException)
            {
                await store.DisposeAsync().ConfigureAwait(false);
                var why = e is TimeoutException ? $"{store.Description} did not answer within {CheckTimeout.TotalSeconds:0} s" : e.Message;
                return Refused($"{configFile}: remote tier: {why} (the configuration in force is unchanged)", badInput: e is RemoteCredentialsException);
            }
            remote.Replace(store);
        }
        Log.Level = next.LogLevel ?? mountLogLevel;
        configs.Set(next);
        return new ReloadOutcome(true, $"{configFile}: reloaded: {string.Join(", ", changes)}", false, changes);
    }

    private static ReloadOutcome Refused(string message, bool badInput) => new(false, message, badInput, []);
}
