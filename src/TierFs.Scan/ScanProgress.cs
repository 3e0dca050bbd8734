namespace TierFs.Scan;

/// <summary>The running counts of a scan, as the progress callback and the result give them.</summary>
public sealed record ScanProgress
{
    /// <summary>Nodes seen (the root included).</summary>
    public long Entries { get; init; }
    public long Directories { get; init; }
    public long New { get; init; }
    /// <summary>Same name and inode, some attribute changed.</summary>
    public long Changed { get; init; }
    /// <summary>Gone from the tree, counting every entry below a deleted directory.</summary>
    public long Deleted { get; init; }
    /// <summary>The same inode under another parent or name: its row (and a directory's subtree) kept.</summary>
    public long Renamed { get; init; }
    /// <summary>Stub records read and copied into the tier table.</summary>
    public long TierRecords { get; init; }
    /// <summary>Writes queued to the index for entries and tier rows: 0 for an unchanged tree.</summary>
    public long Writes { get; init; }
    /// <summary>Directories that could not be read, records that could not be decoded (each logged).</summary>
    public long Errors { get; init; }
    public TimeSpan Elapsed { get; init; }
}
