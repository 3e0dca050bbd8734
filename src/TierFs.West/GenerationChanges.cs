using System.Text;
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
        // (A tree copied to apply a delta keeps its slots: each is tried first in the new one.)
        foreach (var slot in old.ShownSlots())
        {
            var node = old.NodeOfSlot(slot);
            var e = old.Node(slot);
            var then = now.SlotOf(node, slot);
            if (then < 0 || !Same(e, now.Node(then))) nodes.Add(node);
            if (e.Type != NsEntry.TypeDir) continue;
            var dir = then >= 0 && now.Node(then).Type == NsEntry.TypeDir ? then : -1;
            foreach (var child in old.ListSlots(slot).Span)
            {
                var name = old.Node(child).Name;
                var c = dir >= 0 ? now.ChildOf(dir, name) : -1;
                if (c < 0 || now.NodeOfSlot(c) != old.NodeOfSlot(child)) names.Add((node, Encoding.UTF8.GetString(name)));
            }
        }
        return new GenerationChanges(nodes.Distinct().ToList(), names);
    }

    /// <summary>
    /// Tells the kernel to drop what changed: nodes first, then names. A reader who sees a new name
    /// (or no longer sees an old one) then also sees its directory's new attributes; names first
    /// left a moment in which a directory showed the new generation's entries with the old one's
    /// mtime, still in the kernel's attribute cache (a tree compared right after a sync differed).
    /// </summary>
    public void Tell(IKernelCache kernel)
    {
        foreach (var node in Nodes) kernel.InvalidateNode(node);
        foreach (var (parent, name) in Names) kernel.InvalidateName(parent, name);
    }

    // What the kernel holds of a node: its attributes, and for a file the pages of its data.
    private static bool Same(NsNode a, NsNode b) =>
        a.Type == b.Type && a.Mode == b.Mode && a.Uid == b.Uid && a.Gid == b.Gid && a.Size == b.Size && a.Nlink == b.Nlink &&
        a.AtimeNs == b.AtimeNs && a.MtimeNs == b.MtimeNs && a.CtimeNs == b.CtimeNs &&
        a.HasTarget == b.HasTarget && a.Target.SequenceEqual(b.Target) && a.DataIsRemote == b.DataIsRemote && SameData(a, b);

    // The object and digest the data is read by (equal record bytes: equal records, no need to decode them).
    private static bool SameData(NsNode a, NsNode b) =>
        a.RecordBytes.SequenceEqual(b.RecordBytes) ||
        (a.Record is var x && b.Record is var y && x?.ObjectKey == y?.ObjectKey && x?.Blake3 == y?.Blake3);
}
