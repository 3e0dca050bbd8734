namespace TierFs.FileSystem;

/// <summary>
/// Told, after the fact, of every change made through the mount to the tree's names and to its
/// nodes' attributes (the metadata index is kept current from it). Called on the FUSE request
/// threads after the change succeeded: an implementation only notes what changed, and neither
/// blocks nor throws. Null on the overlay: nobody is told.
/// </summary>
public interface INamespaceObserver
{
    /// <summary>Once, by the overlay's constructor: how nodes' descriptors are reached.</summary>
    void Attach(INodeDescriptors nodes);

    /// <summary>
    /// The name <paramref name="name"/> in the directory <paramref name="parent"/> was created,
    /// removed, or now names another node (rename, exchange); the directory's own attributes changed too.
    /// <paramref name="linkTarget"/>: the target of a symlink just made there (reading it back would move its atime), else empty.
    /// </summary>
    void NameChanged(IObservedNode parent, ReadOnlySpan<byte> name, ReadOnlySpan<byte> linkTarget);

    /// <summary>
    /// The node's data or attributes changed (write, truncate, chmod, chown, utimens, xattrs, close).
    /// Told once until the observer calls <see cref="IObservedNode.ChangeCollected"/>: a stream of writes
    /// costs one call per collection, not one per write.
    /// </summary>
    void NodeChanged(IObservedNode node);
}

/// <summary>What an observer sees of a node of the mount: its backing identity and the change handshake.</summary>
public interface IObservedNode
{
    ulong Dev { get; }
    ulong Ino { get; }

    /// <summary>True for the first change since the observer last collected the node; false while one is pending.</summary>
    bool ReportChange();

    /// <summary>The observer took the node: the next change is reported again. Call before looking at the node.</summary>
    void ChangeCollected();
}

/// <summary>How an observer reaches the backing file of a node the mount holds, without a path.</summary>
public interface INodeDescriptors
{
    /// <summary>A new O_PATH descriptor (the caller closes it) of the node for (dev, ino), or -1 when the mount holds none.</summary>
    int Duplicate(ulong dev, ulong ino);
}
