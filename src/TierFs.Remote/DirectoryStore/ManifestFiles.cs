namespace TierFs.Remote;

/// <summary>
/// The directory store's part manifests: the file ".tierfs-parts.NAME" beside the object NAME (the
/// key <see cref="PartManifest.KeyFor"/> names), written durably and renamed into place before the
/// object is, 0600 like everything the store makes.
/// </summary>
internal static class ManifestFiles
{
    public static string PathFor(string objectPath) =>
        Path.Combine(Path.GetDirectoryName(objectPath)!, PartManifest.NamePrefix + Path.GetFileName(objectPath));

    /// <summary>Puts <paramref name="manifest"/> beside the object to be committed, or removes a stale one when there is none.</summary>
    public static void Store(string objectPath, PartManifest? manifest)
    {
        var path = PathFor(objectPath);
        if (manifest is null)
        {
            AtomicFiles.DeleteQuietly(path);
            return;
        }
        var temp = AtomicFiles.TempPath(Path.GetDirectoryName(objectPath)!);
        try
        {
            AtomicFiles.WriteDurably(temp, manifest.ToBytes());
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            AtomicFiles.DeleteQuietly(temp);
        }
    }

    /// <summary>The manifest's bytes, or null when the object has none.</summary>
    public static byte[]? Read(string objectPath, string where)
    {
        var path = PathFor(objectPath);
        try
        {
            using var data = File.OpenHandle(path);
            return SmallFiles.Read(data, PartManifest.MaxBytes, where);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }
}
