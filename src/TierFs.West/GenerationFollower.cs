using TierFs.Common;
using TierFs.Namespace;
using TierFs.Remote;

namespace TierFs.West;

/// <summary>
/// Follows the pair's new generations: every <c>refresh</c> it reads the pointer (one small GET, never a
/// listing); when it names a newer generation, that generation is loaded whole from the objects the
/// pointer names (a generation the pointer never named is never read), numbered, and swapped in; then
/// the kernel is told to drop what changed. A pointer or object that cannot be read leaves the mount
/// serving the generation it has, with a log line, and is tried again at the next interval.
/// </summary>
/// <param name="chain">The objects the served generation was loaded from (the pointer's chain then): a newer pointer that only adds deltas to it costs only those.</param>
public sealed class GenerationFollower(NamespaceReader reader, WestFileSystem fs, InodeNumbers numbers, IKernelCache kernel, TimeSpan refresh,
    IReadOnlyList<GenerationRef> chain)
{
    private const string Source = "west";
    private IReadOnlyList<GenerationRef> _chain = chain;

    /// <summary>Checks once now; true when a newer generation was swapped in.</summary>
    public async Task<bool> RefreshAsync(CancellationToken ct)
    {
        var pointer = await reader.ReadPointerAsync(ct).ConfigureAwait(false);
        var current = fs.View.Generation;
        if (pointer is null || pointer.Generation == current) return false;
        if (pointer.Generation < current)
        {
            Log.Warn(Source, $"the pointer names generation {pointer.Generation}, older than the {current} served: kept {current}");
            return false;
        }
        var tree = await reader.LoadAfterAsync(fs.View.Tree, _chain, pointer, ct).ConfigureAwait(false);
        if (tree.Root is not { Type: NsEntry.TypeDir }) throw new NamespaceFormatException($"generation {tree.Generation} has no root directory");
        _chain = pointer.Chain;
        var view = WestView.Build(tree, numbers);
        WarnRefused(view);
        var changes = fs.Switch(view);
        changes.Tell(kernel);
        Log.Info(Source, $"now serving generation {tree.Generation} ({tree.Count} entries; {changes.Nodes.Count} nodes and {changes.Names.Count} names changed)");
        return true;
    }

    /// <summary>One line for the entries a view leaves out (a crafted or damaged namespace), naming a few.</summary>
    public static void WarnRefused(WestView view)
    {
        if (view.Refused.Count == 0) return;
        var some = string.Join(", ", view.Refused.Take(5).Select(e => $"'{e.Name}' in {view.PathOf(e)[..^e.Name.Length]}"));
        Log.Warn(Source, $"generation {view.Generation}: {view.Refused.Count} entries left out (a name that cannot be a name: empty, '.', '..', a '/' or NUL), with what is below them: {some}");
    }

    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(refresh, ct).ConfigureAwait(false);
                await RefreshAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NamespaceFormatException or NamespaceNotFoundException or RemoteException or IOException or ArgumentException)
            {
                // A pointer read while it is being replaced (on a store that does not replace atomically), the remote down: next time.
                Log.Warn(Source, $"generation {fs.View.Generation} kept: the namespace could not be read: {e.Message}");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Whatever it was, the mount goes on serving the generation it has, and tries again.
                Log.Error(Source, $"generation {fs.View.Generation} kept: following the namespace failed", e);
            }
        }
    }
}
