namespace TierFs.Fuse;

/// <summary>
/// A service of a session that the layers under the filesystem need before the session exists
/// (they are built before the filesystem it serves): made first, bound by the session's constructor.
/// </summary>
public abstract class SessionBound
{
    private FuseSession? _session;

    internal void Bind(FuseSession session)
    {
        if (Interlocked.CompareExchange(ref _session, session, null) is not null)
            throw new InvalidOperationException($"this {GetType().Name} already belongs to a session");
    }

    /// <summary>The session, or null before it is made.</summary>
    private protected FuseSession? Session => Volatile.Read(ref _session);
}
