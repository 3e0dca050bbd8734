using TierFs.Posix;

namespace TierFs.Host;

/// <summary>
/// A mount's state directory (/var/lib/tierfs/NAME) holds the index, which names every file,
/// its size and owner, including those in directories a user cannot list, and the log: both
/// root's alone (directory 0700, files 0600). Modes are set explicitly and mended on every
/// mount (older versions left 0755/0644, and the daemon's umask is whatever started it).
/// </summary>
public static class StateDirectory
{
    private const UnixFileMode DirMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The index file's name in the state directory.</summary>
    public const string IndexFile = "index.db";

    public static void Prepare(string stateDir)
    {
        EnsureRootDirectory(stateDir, DirMode, "the state directory");
        // SQLite gives the -wal and -shm files the database file's mode: a 0600 index keeps them 0600.
        var index = Path.Combine(stateDir, IndexFile);
        if (!File.Exists(index))
            new FileStream(index, new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = FileMode }).Dispose();
        foreach (var file in Directory.EnumerateFiles(stateDir))
            if (Path.GetFileName(file) is var name && (name.StartsWith(IndexFile, StringComparison.Ordinal) || name.StartsWith("tierfs", StringComparison.Ordinal) && name.Contains(".log", StringComparison.Ordinal)))
                File.SetUnixFileMode(file, FileMode);
    }

    /// <summary>
    /// A directory of the daemon's own: created (parents too) or found, not a symlink, given
    /// exactly <paramref name="mode"/> whatever the umask or an older version left, and root's.
    /// </summary>
    internal static void EnsureRootDirectory(string path, UnixFileMode mode, string what)
    {
        Directory.CreateDirectory(path, mode);
        if (new DirectoryInfo(path).LinkTarget is not null)
            throw new CommandException($"{what} {path} is a symlink; give its real path");
        File.SetUnixFileMode(path, mode);
        if (RootOwned.Problem(path, RootOwned.Kind.Directory) is { } problem)
            throw new CommandException($"cannot use {what}: {problem}");
    }
}
