namespace TierFs.Remote;

/// <summary>
/// Walks the directory store's tree yielding the objects whose key starts with a prefix, in the
/// ordinal key order S3 lists in: a directory "a" sorts as "a/", so "a.txt" comes before "a/b".
/// Sidecars and temp files (".tierfs-*") and symlinked directories are skipped; with manifests,
/// the part manifests (".tierfs-parts.NAME") are yielded instead of the objects, named by their object's key.
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

    public static IEnumerable<RemoteObjectInfo> Files(string directory, string keyOfDirectory, string keyPrefix, bool manifests)
    {
        if (!Directory.Exists(directory)) yield break;
        var entries = new DirectoryInfo(directory).EnumerateFileSystemInfos("*", OneLevel)
            .Select(e => (Entry: e, Name: Listed(e, manifests)))
            .Where(e => e.Name is not null)
            .Select(e => (e.Entry, SortKey: keyOfDirectory + e.Name + (e.Entry is DirectoryInfo ? "/" : "")))
            .OrderBy(e => e.SortKey, StringComparer.Ordinal)
            .ToList();
        foreach (var (entry, sortKey) in entries)
        {
            if (entry is DirectoryInfo sub)
            {
                if (sub.LinkTarget is not null) continue;
                if (sortKey.StartsWith(keyPrefix, StringComparison.Ordinal) || keyPrefix.StartsWith(sortKey, StringComparison.Ordinal))
                {
                    foreach (var info in Files(sub.FullName, sortKey, keyPrefix, manifests)) yield return info;
                }
            }
            else if (entry is FileInfo file && sortKey.StartsWith(keyPrefix, StringComparison.Ordinal))
            {
                yield return new RemoteObjectInfo(sortKey, file.Length, ObjectAttributes.None, null, file.LastWriteTimeUtc, null);
            }
        }
    }

    // The name an entry is listed under: its own (directories; objects unless manifests), its object's (a manifest), or none.
    private static string? Listed(FileSystemInfo e, bool manifests)
    {
        if (e is DirectoryInfo || !manifests) return e.Name.StartsWith(RemoteKey.ReservedSegmentPrefix, StringComparison.Ordinal) ? null : e.Name;
        return PartManifest.DataKeyOf(e.Name) is { } data && !data.StartsWith(RemoteKey.ReservedSegmentPrefix, StringComparison.Ordinal) ? data : null;
    }
}
