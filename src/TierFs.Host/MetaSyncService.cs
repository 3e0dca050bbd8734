using System.Text.Json;
using TierFs.Common;
using TierFs.Index;
using TierFs.Index.Reading;
using TierFs.Namespace;
using TierFs.Remote;
using TierFs.Tiering.Config;
using TierFs.Tiering.Control;

namespace TierFs.Host;

/// <summary>
/// Metadata sync of one mount: `tierfs sync` and, on the master side of a pair, a publication every
/// <c>meta_sync.interval</c>. One publication at a time; the cut is taken under the index keeper's
/// lock (no scan or live batch half applied), so it is a consistent state of the index.
/// </summary>
public sealed class MetaSyncService(ConfigHolder configs, TierIndex index, IRemoteStore remote, Func<Func<SyncCut>, SyncCut> quiesce,
    IXattrSource? xattrs, string tempDirectory)
{
    private const string Source = "sync";
    private readonly SemaphoreSlim _one = new(1, 1);

    /// <summary>Why this side does not publish, or null when it does.</summary>
    public static string? Refusal(TierFsConfig config) => config.Pair switch
    {
        null => "no pair is configured (pair: in the configuration): there is no namespace to publish",
        { MetaSyncRole: MetaSyncRole.Slave } p => $"the pair '{p.Name}' is meta_sync_role: slave on this side: only the master side publishes the namespace",
        _ => null,
    };

    /// <summary>Publishes now (waits for one under way). Throws <see cref="InvalidOperationException"/> with the refusal on a side that does not publish.</summary>
    public async Task<PublishResult> SyncAsync(CancellationToken ct)
    {
        var config = configs.Current;
        if (Refusal(config) is { } why) throw new InvalidOperationException(why);
        var pair = config.Pair!;
        await _one.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var publisher = new NamespacePublisher(remote, index, new PublishOptions
            {
                Pair = pair.Name,
                ContractValue = pair.ContractValue(config.ClusterId),
                MaxDeltas = config.MetaSync.MaxDeltas,
                KeepGenerations = config.MetaSync.KeepGenerations,
                PruneGrace = config.MetaSync.PruneGrace,
                TempDirectory = tempDirectory,
                Quiesce = quiesce,
                Xattrs = xattrs,
            });
            return await publisher.PublishAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _one.Release();
        }
    }

    /// <summary>`tierfs sync`: one summary, or one refusal line.</summary>
    public async Task RunCommandAsync(IControlSink sink, CancellationToken ct)
    {
        try
        {
            var r = await SyncAsync(ct).ConfigureAwait(false);
            sink.Data("sync", JsonSerializer.Serialize(new { summary = r.ToString(), generation = r.Generation, snapshot = r.Snapshot, unchanged = r.Unchanged, puts = r.Puts, deletes = r.Deletes, entries = r.Entries, bytes = r.Bytes }));
        }
        catch (InvalidOperationException e)
        {
            Daemon.TieringDaemon.Refuse(sink, e.Message, badInput: true);
        }
        catch (Exception e) when (e is RemoteException or NamespaceFormatException or IOException)
        {
            Daemon.TieringDaemon.Refuse(sink, $"sync failed: {e.Message} (the remote still holds the generation before)", badInput: false);
        }
    }

    /// <summary>The master side's periodic publication (meta_sync.enabled); failures are logged and retried next interval.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var config = configs.Current;
            try { await Task.Delay(config.MetaSync.Interval, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            config = configs.Current;
            if (!config.MetaSync.Enabled || Refusal(config) is not null) continue;
            try { await SyncAsync(ct).ConfigureAwait(false); }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (Exception e) when (e is RemoteException or NamespaceFormatException or IOException or IndexException or InvalidOperationException)
            {
                Log.Error(Source, "the periodic metadata sync failed; the remote still holds the generation before (next try in one interval)", e);
            }
        }
    }
}
