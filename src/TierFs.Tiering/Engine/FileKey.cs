namespace TierFs.Tiering.Engine;

/// <summary>A backing inode's identity (device, inode number): hard links share it.</summary>
public readonly record struct FileKey(ulong Dev, ulong Ino)
{
    public override string ToString() => $"{Dev:x}:{Ino}";
}
