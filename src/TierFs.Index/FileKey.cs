namespace TierFs.Index;

/// <summary>A backing inode's identity (device, inode number): hard links share it, so tier data is keyed by it.</summary>
public readonly record struct FileKey(ulong Dev, ulong Ino)
{
    public override string ToString() => $"{Dev:x}:{Ino}";
}
