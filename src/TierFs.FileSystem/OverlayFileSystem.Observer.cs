using TierFs.Common;
using TierFs.Fuse;

namespace TierFs.FileSystem;

// Telling the namespace observer what changed, after it changed (no-ops without one).
public sealed partial class OverlayFileSystem
{
    private readonly INamespaceObserver? _observer;

    /// <summary>The node, when the tiering layer or the observer will be told about it; else no lookup.</summary>
    private Inode? Watched(ulong nodeId) => _gate is null && _observer is null ? null : _table.Get(nodeId);

    /// <summary>A name in a directory was created, removed or replaced.</summary>
    private void NameChanged(ulong parent, FuseName name, FuseName? linkTarget = null)
    {
        if (_observer is null || _table.Get(parent) is not { } dir) return;
        try
        {
            _observer.NameChanged(dir, name.Span, linkTarget is { } t ? t.Span : default);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The request succeeded; only the index is behind, and the next scan catches it up.
            Log.Error(Source, $"the namespace observer failed on a name in {dir}", e);
        }
    }

    /// <summary>A node's data or attributes changed: told once per collection (one flag read per write otherwise).</summary>
    private void NodeChanged(Inode? node)
    {
        if (_observer is null || node is null || !node.ReportChange()) return;
        try
        {
            _observer.NodeChanged(node);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            node.ChangeCollected();
            Log.Error(Source, $"the namespace observer failed on {node}", e);
        }
    }

    private void NodeChanged(ulong nodeId)
    {
        if (_observer is not null) NodeChanged(_table.Get(nodeId));
    }
}
