namespace TierFs.Fuse;

/// <summary>
/// What the filesystem tells the kernel about what it cached (an inode's attributes and pages),
/// for the layers under the filesystem that change files behind the kernel's back (a recall, a
/// release). Made before the session that carries it, because those layers are built before the
/// filesystem the session serves; the session binds itself in its constructor. Until then nothing
/// is mounted and the kernel caches nothing of the mount, so a notice is a no-op.
/// </summary>
public sealed class KernelNotices
{
    private FuseSession? _session;

    internal void Bind(FuseSession session)
    {
        if (Interlocked.CompareExchange(ref _session, session, null) is not null)
            throw new InvalidOperationException("these kernel notices already go to a session");
    }

    /// <summary>The kernel drops its cached attributes and pages of the node (see <see cref="FuseSession.InvalidateInode"/>).</summary>
    public int InvalidateInode(ulong nodeId) => Volatile.Read(ref _session)?.InvalidateInode(nodeId) ?? 0;
}
