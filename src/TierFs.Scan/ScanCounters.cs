namespace TierFs.Scan;

/// <summary>The scan's counts, bumped by every thread.</summary>
internal sealed class ScanCounters
{
    public long Entries, Directories, New, Changed, Deleted, Renamed, TierRecords, Writes, Errors;

    public ScanProgress Snapshot(TimeSpan elapsed) => new()
    {
        Entries = Interlocked.Read(ref Entries),
        Directories = Interlocked.Read(ref Directories),
        New = Interlocked.Read(ref New),
        Changed = Interlocked.Read(ref Changed),
        Deleted = Interlocked.Read(ref Deleted),
        Renamed = Interlocked.Read(ref Renamed),
        TierRecords = Interlocked.Read(ref TierRecords),
        Writes = Interlocked.Read(ref Writes),
        Errors = Interlocked.Read(ref Errors),
        Elapsed = elapsed,
    };
}
