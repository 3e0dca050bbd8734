using TierFs.Posix;

namespace TierFs.Fuse;

/// <summary>
/// An open answered later, from any thread. An open that must wait (for a recall) takes its
/// request with <see cref="Take"/>, returns <see cref="Reply"/>, and so gives its FUSE thread back
/// to the loop: a thousand opens waiting on recalls hold no threads, and resident files are served
/// meanwhile. Exactly one answer reaches the kernel; one given after the session ended is dropped.
/// </summary>
public sealed unsafe class LaterOpen
{
    /// <summary>What <see cref="IFuseFileSystem.Open"/> returns after <see cref="Take"/>.</summary>
    public const int Reply = 1;

    [ThreadStatic] private static LaterOpen? t_taken;
    [ThreadStatic] private static bool t_inHandler;

    private readonly IntPtr _deferred;
    private int _answered;

    private LaterOpen(IntPtr deferred) => _deferred = deferred;

    /// <summary>
    /// Takes the open being handled on this thread for a later answer; null when it cannot be
    /// answered later (a direct call, not a kernel request): then answer it now, as before.
    /// </summary>
    public static LaterOpen? Take(in FuseContext ctx)
    {
        if (!t_inHandler || t_taken is not null || ctx.Request == 0) return null;
        var d = NativeMethods.Defer(ctx.Request);
        if (d == IntPtr.Zero) return null;
        return t_taken = new LaterOpen(d);
    }

    /// <summary>
    /// Answers the open with the handle in <paramref name="fi"/>. False when nobody will use it
    /// (the opener was interrupted, or the session ended): the caller releases it.
    /// </summary>
    public bool Opened(in FuseFileInfo fi)
    {
        if (Interlocked.Exchange(ref _answered, 1) != 0) return false;
        fixed (FuseFileInfo* p = &fi) return NativeMethods.ReplyOpen(_deferred, p) == 0;
    }

    /// <summary>Answers the open with an error (a positive errno).</summary>
    public void Failed(int errno)
    {
        if (Interlocked.Exchange(ref _answered, 1) == 0) NativeMethods.ReplyErr(_deferred, errno);
    }

    internal static void HandlerStarts() => (t_inHandler, t_taken) = (true, null);

    /// <summary>
    /// After the filesystem's Open returned <paramref name="res"/>: what the native handler is told.
    /// An open that was taken is answered only through its <see cref="LaterOpen"/>, also when the
    /// filesystem returned something else after taking it (an exception on the way): never twice.
    /// </summary>
    internal static int HandlerEnds(int res)
    {
        var taken = t_taken;
        (t_inHandler, t_taken) = (false, null);
        if (taken is null) return res == Reply ? -Errno.EIO : res; // "later" without taking: nobody would answer
        if (res == Reply) return res;
        if (res < 0) taken.Failed(-res);
        else taken.Failed(Errno.EIO);
        return Reply;
    }
}
