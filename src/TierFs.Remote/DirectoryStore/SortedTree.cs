namespace TierFs.Remote;

/// <summary>
/// Walks the directory store's tree yielding the objects whose key starts with a prefix, in the
/// ordinal key order S3 lists in: a directory "a" sorts as "a/", so "a.txt" comes before "a/b".
/// Sidecars and temp files (".tierfs-*") and symlinked directories are skipped.
/// </summary>
internal static class SortedTree
{
    private static readonly EnumerationOptions OneLevel = new()
    {
        AttributesToSkip = 0, // dot-files count as hidden on Linux; keys may start with '.'
        IgnoreInaccessible = false,
        RecurseSubdirectories = false,
        ReturnSpecialDirectories = false,
    };

    public static IEnumerable<RemoteObjectInfo> Files(string directory, string keyOfDirectory, string keyPrefix)
    {
        if (!Directory.Exists(directory)) yield break;
        var entries = new DirectoryInfo(directory).EnumerateFileSystemInfos("*", OneLevel)
            .Where(e => !e.Name.StartsWith(RemoteKey.ReservedSegmentPrefix, StringComparison.Ordinal))
            .Select(e => (Entry: e, SortKey: keyOfDirectory + e.Name + (e is DirectoryInfo ? "/" : "")))
            .OrderBy(e => e.SortKey, StringComparer.Ordinal)
            .ToList();
        foreach (var (entry, sortKey) in entries)
        {
            if (entry is DirectoryInfo sub)
            {
                if (sub.LinkTarget is not null) continue;
                if (sortKey.StartsWith(keyPrefix, StringComparison.Ordinal) || keyPrefix.StartsWith(sortKey, StringComparison.Ordinal))
                {
                    foreach (var info in Files(sub.FullName, sortKey, keyPrefix)) yield return info;
                }
            }
            else if (entry is FileInfo file && sortKey.StartsWith(keyPrefix, StringComparison.Ordinal))
            {
                yield return new RemoteObjectInfo(sortKey, file.Length, ObjectAttributes.None, null, file.LastWriteTimeUtc, null);
            }
        }
    }
}
