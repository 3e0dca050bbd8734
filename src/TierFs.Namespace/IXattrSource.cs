namespace TierFs.Namespace;

/// <summary>Reads an entry's user.* extended attributes from the east tree (the index does not hold them).</summary>
public interface IXattrSource
{
    /// <summary>The entry's user.* xattrs by its path relative to the tree's root; none when it is gone or has none.</summary>
    IReadOnlyList<NsXattr> UserXattrs(string relativePath, char type);
}
