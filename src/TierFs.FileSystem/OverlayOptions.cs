namespace TierFs.FileSystem;

/// <summary>Cache lifetimes and behaviour of the overlay; the defaults suit a backing tree that others may change.</summary>
public sealed class OverlayOptions
{
    /// <summary>Seconds the kernel may trust attributes.</summary>
    public double AttrTimeout { get; set; } = 1.0;
    /// <summary>Seconds the kernel may trust a name → node mapping.</summary>
    public double EntryTimeout { get; set; } = 1.0;
    /// <summary>Seconds the kernel may remember that a name does not exist (0: ask every time).</summary>
    public double NegativeTimeout { get; set; }
    /// <summary>Keep the page cache across opens of files whose data is local.</summary>
    public bool KeepCache { get; set; } = true;
    /// <summary>
    /// Pass close(2) through to the backing file (FUSE FLUSH), so that a network filesystem's
    /// close-time errors (NFS: ENOSPC, EDQUOT) reach the caller. Null: on for network
    /// filesystems, off (one round trip less per close) for local ones.
    /// </summary>
    public bool? FlushOnClose { get; set; }
}
