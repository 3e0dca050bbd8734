namespace TierFs.FileSystem;

/// <summary>
/// Told, after the fact, of every change made through the mount to the tree's names and to its
/// nodes' attributes (the metadata index is kept current from it). Called on the FUSE request
/// threads after the change succeeded: an implementation only notes what changed, and neither
/// blocks nor throws. Null on the overlay: nobody is told.
/// </summary>
public interface INamespaceObserver
{
    /// <summary>Once, by the overlay's constructor: the table through which nodes' descriptors are reached.</summary>
    void Attach(InodeTable nodes);

    /// <summary>
    /// The name <paramref name="name"/> in the directory <paramref name="parent"/> was created,
    /// removed, or now names another node (rename, exchange); the directory's own attributes changed too.
    /// <paramref name="linkTarget"/>: the target of a symlink just made there (reading it back would move its atime), else empty.
    /// </summary>
    void NameChanged(Inode parent, ReadOnlySpan<byte> name, ReadOnlySpan<byte> linkTarget);

    /// <summary>
    /// The node's data or attributes changed (write, truncate, chmod, chown, utimens, xattrs, close).
    /// Told once until the observer calls <see cref="Inode.ChangeCollected"/>: a stream of writes
    /// costs one call per collection, not one per write.
    /// </summary>
    void NodeChanged(Inode node);
}
