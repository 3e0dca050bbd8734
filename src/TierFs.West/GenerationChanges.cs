using TierFs.Namespace;

namespace TierFs.West;

/// <summary>
/// What the kernel may hold that a new generation made wrong: nodes whose attributes (or data)
/// changed or that are gone, and names that are gone or now name another node. A name that is new
/// needs nothing: the mount caches no negative lookups.
/// </summary>
public sealed record GenerationChanges(IReadOnlyList<ulong> Nodes, IReadOnlyList<(ulong Parent, string Name)> Names)
{
    public static GenerationChanges Between(WestView old, WestView now)
    {
        var nodes = new List<ulong>();
        var names = new List<(ulong, string)>();
        // Only what the old view showed: entries it left out (bad names) were never the kernel's.
        foreach (var e in old.Shown)
        {
            var node = old.NodeOf(e);
            if (now.Entry(node) is not { } then || !Same(e, then)) nodes.Add(node);
            if (e.Type != NsEntry.TypeDir) continue;
            foreach (var child in old.List(node))
            {
                var was = old.NodeOf(child);
                if (now.Child(node, child.Name) is not { } c || now.NodeOf(c) != was) names.Add((node, child.Name));
            }
        }
        return new GenerationChanges(nodes.Distinct().ToList(), names);
    }

    // What the kernel holds of a node: its attributes, and for a file the pages of its data.
    private static bool Same(NsEntry a, NsEntry b) =>
        a.Type == b.Type && a.Mode == b.Mode && a.Uid == b.Uid && a.Gid == b.Gid && a.Size == b.Size && a.Nlink == b.Nlink &&
        a.AtimeNs == b.AtimeNs && a.MtimeNs == b.MtimeNs && a.CtimeNs == b.CtimeNs && a.Target == b.Target &&
        a.Record?.ObjectKey == b.Record?.ObjectKey && a.Record?.Blake3 == b.Record?.Blake3 && a.DataIsRemote == b.DataIsRemote;
}
