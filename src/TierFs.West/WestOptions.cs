namespace TierFs.West;

/// <summary>How the west mount serves: the kernel's cache lifetimes, the errno of a file whose data is only east, read-ahead.</summary>
public sealed record WestOptions
{
    /// <summary>
    /// The errno an open of a file whose data is only east gets (never archived, dirty since, or
    /// recalled by a gpeer pair): ENODATA, "No data available", which is what it is west.
    /// </summary>
    public const int EastOnlyErrno = TierFs.Posix.Errno.ENODATA;

    /// <summary>Seconds the kernel keeps attributes and names (a new generation also drops what changed at once).</summary>
    public double AttrTimeout { get; init; } = 1.0;
    public double EntryTimeout { get; init; } = 1.0;
    /// <summary>Parts fetched ahead of a sequential reader.</summary>
    public int ReadAheadParts { get; init; } = 4;
}
