namespace TierFs.Fuse;

/// <summary>
/// FUSE passthrough: backing files registered with the kernel, so that it serves an open file's
/// reads, writes and mmap from the backing file itself, with no request to the daemon (kernel 6.9+;
/// the daemon needs CAP_SYS_ADMIN). Ready only once the kernel agreed to passthrough in the INIT
/// handshake of the session it is bound to.
/// </summary>
public sealed class KernelBacking : SessionBound
{
    /// <summary>Whether opens may be answered with a backing id now.</summary>
    public bool Ready => Session?.PassthroughReady ?? false;

    /// <summary>Registers the open file <paramref name="fd"/>: a backing id (&gt; 0) for an open reply, or a negative errno.</summary>
    public int Open(int fd) => Session?.BackingOpen(fd) ?? -Posix.Errno.EOPNOTSUPP;

    /// <summary>Drops the id; files the kernel opened through it stay open until their release.</summary>
    public int Close(int backingId) => Session?.BackingClose(backingId) ?? 0;
}
