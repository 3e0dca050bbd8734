namespace TierFs.Records;

/// <summary>
/// A backing inode's identity (device, inode number): hard links share it, so tier records are
/// keyed by it. Node-local: a shared queue names files by their record's stable id instead.
/// </summary>
public readonly record struct FileKey(ulong Dev, ulong Ino)
{
    public override string ToString() => $"{Dev:x}:{Ino}";
}
