using TierFs.Tiering.Control;
using TierFs.Records;

namespace TierFs.Cli.Commands.Tier;

/// <summary>
/// Runs one `tierfs state|archive|release|migrate|recall`: resolve the paths, send one request
/// to each mount's daemon, print results as they come. Returns the exit status: 1 if any path
/// failed (each failure is one line "tierfs: PATH: ERROR" on stderr), else 0.
/// </summary>
public sealed class TierRunner(TierOp op, bool recursive, bool verbose, TierPathResolver resolver, Func<string, string> socketPathFor, ProgressView view)
{
    /// <summary>With state: flags to set and to clear on every file first.</summary>
    public TierFlags SetFlags { get; init; }
    public TierFlags ClearFlags { get; init; }
    /// <summary>With state: set (true) or clear (false) the lost mark.</summary>
    public bool? Lost { get; init; }
    /// <summary>With resolve: which version to keep, and whether over data written behind the mount.</summary>
    public ResolveChoice Resolve { get; init; }
    public bool Force { get; init; }

    public TimeSpan ConnectTimeout { get; init; } = ControlClient.DefaultConnectTimeout;

    public async Task<int> RunAsync(IReadOnlyList<string> paths, CancellationToken ct)
    {
        var (byMount, unresolved) = resolver.ResolveAll(paths);
        var failures = 0;
        foreach (var f in unresolved)
        {
            view.Error($"tierfs: {f.Given}: {f.Error}");
            failures++;
        }
        try
        {
            foreach (var group in byMount) failures += await RunOnMountAsync(group.Key, [.. group], ct);
        }
        finally
        {
            await view.StopAsync();
        }
        return failures > 0 ? 1 : 0;
    }

    // Returns the number of failures on this mount.
    private async Task<int> RunOnMountAsync(string mountPoint, IReadOnlyList<ResolvedPath> paths, CancellationToken ct)
    {
        var names = new DisplayPaths(mountPoint, paths);
        var request = new ControlRequest(op, paths.Select(p => p.Relative!).ToList(), recursive, SetFlags, ClearFlags,
            Lost: Lost, Resolve: Resolve, Force: Force);
        view.Expect(recursive ? null : paths.Count);
        var failed = 0;
        try
        {
            await using var client = await ControlClient.ConnectAsync(socketPathFor(mountPoint), mountPoint, ConnectTimeout, ct);
            await foreach (var message in client.RunAsync(request, ct))
            {
                switch (message)
                {
                    case PlanMessage m:
                        view.Planned(m.Files, m.Bytes);
                        break;
                    case ProgressMessage m:
                        view.Progress(m.Path, names.For(m.Path), m.Done, m.Total);
                        break;
                    case ResultMessage { Result: var r }:
                        view.FileDone(r.Path, r.Ok);
                        if (!r.Ok)
                        {
                            failed++;
                            view.Error($"tierfs: {names.For(r.Path)}: {r.Error ?? "failed"}");
                        }
                        else if (op == TierOp.State || verbose)
                            view.Out($"{r.State ?? "unknown"} {names.For(r.Path)}");
                        // Why a stub cannot be recalled as it is: said once, on stderr, not a failure.
                        if (r.Ok && r.Note is not null && (op == TierOp.State || verbose))
                            view.Error($"tierfs: {names.For(r.Path)}: {r.Note}");
                        break;
                    case ErrorMessage m:
                        failed++;
                        view.Error($"tierfs: {mountPoint}: {m.Message}");
                        break;
                }
            }
        }
        catch (ControlException e)
        {
            failed++;
            view.Error($"tierfs: {e.Message}");
        }
        return failed;
    }
}
