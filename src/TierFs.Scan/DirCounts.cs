namespace TierFs.Scan;

/// <summary>One directory's share of the scan's counts, kept by the thread reading it and added to the shared ones once.</summary>
internal struct DirCounts
{
    public long Entries, Directories, New, Changed, Writes;

    public readonly void AddTo(ScanCounters counts)
    {
        Interlocked.Add(ref counts.Entries, Entries);
        Interlocked.Add(ref counts.Directories, Directories);
        Interlocked.Add(ref counts.New, New);
        Interlocked.Add(ref counts.Changed, Changed);
        Interlocked.Add(ref counts.Writes, Writes);
    }
}
