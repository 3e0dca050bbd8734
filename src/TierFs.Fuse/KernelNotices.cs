namespace TierFs.Fuse;

/// <summary>
/// What the filesystem tells the kernel about what it cached (an inode's attributes and pages),
/// for the layers under the filesystem that change files behind the kernel's back (a recall, a
/// release). Until its session is bound nothing is mounted and the kernel caches nothing of the
/// mount, so a notice is a no-op.
/// </summary>
public sealed class KernelNotices : SessionBound
{
    /// <summary>The kernel drops its cached attributes and pages of the node (see <see cref="FuseSession.InvalidateInode"/>).</summary>
    public int InvalidateInode(ulong nodeId) => Session?.InvalidateInode(nodeId) ?? 0;
}
