using TierFs.Index;
using TierFs.Records;

namespace TierFs.Scan;

/// <summary>A directory to read: its row id, its path from the root ("." for the root), the inode the parent saw, and whether its row is new (so it has no children in the index).</summary>
internal sealed record DirWork(long Id, string Path, FileKey Key, bool IsNew)
{
    public string Child(string name) => Path == "." ? name : string.Concat(Path, "/", name);
}
