using TierFs.Posix;

namespace TierFs.Fuse;

/// <summary>
/// An open or a read answered later, from any thread. An operation that must wait (an open for a
/// recall, a read for its part of a file being recalled) takes its request with <see cref="Take"/>,
/// returns <see cref="Reply"/>, and so gives its FUSE thread back to the loop: a thousand
/// requests waiting on recalls hold no threads, and resident files are served meanwhile. Exactly
/// one answer reaches the kernel; one given after the session ended is dropped.
/// </summary>
public sealed unsafe class LaterReply
{
    /// <summary>What <see cref="IFuseFileSystem.Open"/> or <see cref="IFuseFileSystem.Read"/> returns after <see cref="Take"/>.</summary>
    public const int Reply = 1;

    [ThreadStatic] private static LaterReply? t_taken;
    [ThreadStatic] private static bool t_inHandler;

    private readonly IntPtr _deferred;
    private int _answered;

    private LaterReply(IntPtr deferred) => _deferred = deferred;

    /// <summary>
    /// Takes the open or read being handled on this thread for a later answer; null when it cannot
    /// be answered later (a direct call, not a kernel request): then answer it now, as before.
    /// </summary>
    public static LaterReply? Take(in FuseContext ctx)
    {
        if (!t_inHandler || t_taken is not null || ctx.Request == 0) return null;
        var d = NativeMethods.Defer(ctx.Request);
        if (d == IntPtr.Zero) return null;
        return t_taken = new LaterReply(d);
    }

    /// <summary>
    /// Answers an open with the handle in <paramref name="fi"/>. False when nobody will use it
    /// (the opener was interrupted, or the session ended): the caller releases it.
    /// </summary>
    public bool Opened(in FuseFileInfo fi)
    {
        if (Interlocked.Exchange(ref _answered, 1) != 0) return false;
        fixed (FuseFileInfo* p = &fi) return NativeMethods.ReplyOpen(_deferred, p) == 0;
    }

    /// <summary>
    /// Answers a read with <paramref name="count"/> bytes of <paramref name="fd"/> at
    /// <paramref name="offset"/> (fewer at the end of the file), read before this returns (spliced,
    /// not copied through managed memory, where the reply fits a pipe). 0, or a negative errno when
    /// the reply could not be sent.
    /// </summary>
    public int DataFrom(int fd, long offset, int count)
    {
        if (Interlocked.Exchange(ref _answered, 1) != 0) return 0;
        return NativeMethods.ReplyFd(_deferred, fd, (ulong)offset, (ulong)count);
    }

    /// <summary>Answers with an error (a positive errno).</summary>
    public void Failed(int errno)
    {
        if (Interlocked.Exchange(ref _answered, 1) == 0) NativeMethods.ReplyErr(_deferred, errno);
    }

    /// <summary>Whether the handler running on this thread took its request.</summary>
    internal static bool Taken => t_taken is not null;

    internal static void HandlerStarts() => (t_inHandler, t_taken) = (true, null);

    /// <summary>
    /// After the filesystem's handler returned <paramref name="res"/>: what the native handler is
    /// told. A request that was taken is answered only through its <see cref="LaterReply"/>, also
    /// when the handler returned something else after taking it (an exception on the way): never twice.
    /// </summary>
    internal static int HandlerEnds(int res)
    {
        var taken = t_taken;
        (t_inHandler, t_taken) = (false, null);
        if (taken is null || res == Reply) return res;
        taken.Failed(res < 0 ? -res : Errno.EIO);
        return Reply;
    }
}
