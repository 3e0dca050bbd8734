using TierFs.Host;
using TierFs.Daemon;
using TierFs.Tiering.Control;
using TierFs.Records;

namespace TierFs.Host.Adapters;

/// <summary>
/// The control socket's dispatcher: file operations go to the engine, scan/policy/status to the
/// daemon, verify and alarms to the operator's view, reload to the reloader. A read-only mount (-o ro)
/// refuses to archive, release, migrate, check or resolve files, to change their flags or lost mark,
/// and to repair after a verify: it changes nothing but what a read needs (a stub is still recalled
/// when opened, and by `tierfs recall`). Every request ends with the index committed
/// (<paramref name="commit"/>): the commands that read the index (`tierfs log`, `query`, `report`)
/// see what the one before them did.
/// </summary>
public sealed class MountCommands(ITierCommands engine, ITierCommands daemon, ITierCommands ops, ConfigReloader reloader, bool readOnly, Action commit,
    Func<object?>? peer = null, MetaSyncService? sync = null) : ITierCommands
{
    public async Task RunAsync(ControlRequest request, IControlSink sink, CancellationToken ct)
    {
        try { await DispatchAsync(request, sink, ct).ConfigureAwait(false); }
        finally { commit(); }
    }

    private async Task DispatchAsync(ControlRequest request, IControlSink sink, CancellationToken ct)
    {
        if (request.Op == TierOp.Sync)
        {
            if (sync is null) TieringDaemon.Refuse(sink, "this mount does not publish its namespace", badInput: true);
            else await sync.RunCommandAsync(sink, ct).ConfigureAwait(false);
            return;
        }
        if (request.Op == TierOp.Reload)
        {
            var outcome = await reloader.ReloadAsync(ct).ConfigureAwait(false);
            if (outcome.Ok) sink.Data("reload", System.Text.Json.JsonSerializer.Serialize(new { message = outcome.Message, changes = outcome.Changes.Select(c => c.ToString()) }));
            else TieringDaemon.Refuse(sink, outcome.Message, outcome.BadInput);
            return;
        }
        if (readOnly && ChangesFiles(request))
        {
            foreach (var path in request.Paths)
                sink.Result(new FileResult(path, false, null,
                    $"the mount is read-only (-o ro): {(request.Op == TierOp.State ? "changing flags" : ControlProtocol.OpName(request.Op))} refused (mount it read-write to move files)"));
            return;
        }
        if (readOnly && request is { Op: TierOp.Verify, Repair: true, DryRun: false })
        {
            TieringDaemon.Refuse(sink, "the mount is read-only (-o ro): verify --repair refused (verify, and verify --repair --dry-run, still work)", badInput: false);
            return;
        }
        var to = request.Op is TierOp.Verify or TierOp.Alarms ? ops : request.IsDaemonOp ? daemon : engine;
        await to.RunAsync(request, sink, ct).ConfigureAwait(false);
        // The status also says how the link to the other management node is (when there is one).
        if (request.Op == TierOp.Status && peer?.Invoke() is { } link)
            sink.Data("peer", System.Text.Json.JsonSerializer.Serialize(link, PeerJson));
    }

    private static readonly System.Text.Json.JsonSerializerOptions PeerJson = new() { PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase };

    private static bool ChangesFiles(ControlRequest r) =>
        r.Op is TierOp.Archive or TierOp.Release or TierOp.Migrate or TierOp.Check or TierOp.Resolve ||
        (r.Op == TierOp.State && ((r.SetFlags | r.ClearFlags) != TierFlags.None || r.Lost is not null));
}
