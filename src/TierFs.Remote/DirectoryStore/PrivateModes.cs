namespace TierFs.Remote;

/// <summary>
/// The modes of everything the directory store creates: root-only. Given to mkdir and open
/// themselves, never left to the umask (whatever started the daemon chose it); a umask can only
/// take bits away from these.
/// </summary>
internal static class PrivateModes
{
    public const UnixFileMode Directory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute; // 0700
    public const UnixFileMode File = UnixFileMode.UserRead | UnixFileMode.UserWrite; // 0600

    /// <summary>Group and other may read or write: what an archive must not allow.</summary>
    public const UnixFileMode Shared = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;

    /// <summary>Creates the directory and any missing parents, each 0700 (.NET's own call gives the mode to the last one only).</summary>
    public static void CreateDirectory(string path)
    {
        var missing = new Stack<string>();
        for (var d = Path.TrimEndingDirectorySeparator(path); !System.IO.Directory.Exists(d); d = Path.GetDirectoryName(d)!)
            missing.Push(d);
        // Another thread may create one of them meanwhile: that is fine, and it is 0700 too.
        while (missing.TryPop(out var d)) System.IO.Directory.CreateDirectory(d, Directory);
    }

    public static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0xFFF, 8);
}
