namespace TierFs.West;

/// <summary>What the kernel cached of the mount, dropped when a new generation changes it (the FUSE session's notices).</summary>
public interface IKernelCache
{
    /// <summary>Drops the node's cached attributes and pages.</summary>
    void InvalidateNode(ulong node);

    /// <summary>Drops the cached name <paramref name="name"/> in the directory <paramref name="parent"/>.</summary>
    void InvalidateName(ulong parent, string name);
}
