using TierFs.Fuse;
using TierFs.West;

namespace TierFs.Host.Adapters;

/// <summary>The west mount's kernel cache is the FUSE session's: a new generation's changes become its notices.</summary>
internal sealed class SessionKernelCache(FuseSession session) : IKernelCache
{
    // A node or name the kernel does not hold answers ENOENT: nothing to drop, nothing to say.
    public void InvalidateNode(ulong node) => session.InvalidateInode(node);

    public void InvalidateName(ulong parent, string name) => session.InvalidateEntry(parent, name);
}
