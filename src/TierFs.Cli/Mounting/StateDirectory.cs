using TierFs.Posix;

namespace TierFs.Cli.Mounting;

/// <summary>
/// A mount's state directory (/var/lib/tierfs/NAME) holds the index, which names every file,
/// its size and owner, including those in directories a user cannot list, and the log: both
/// root's alone (directory 0700, files 0600). Modes are set explicitly and mended on every
/// mount (older versions left 0755/0644, and the daemon's umask is 0).
/// </summary>
public static class StateDirectory
{
    private const UnixFileMode DirMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The index file's name in the state directory.</summary>
    public const string IndexFile = "index.db";

    public static void Prepare(string stateDir)
    {
        Directory.CreateDirectory(stateDir, DirMode);
        if (new DirectoryInfo(stateDir).LinkTarget is not null)
            throw new CommandException($"the state directory {stateDir} is a symlink; give its real path");
        File.SetUnixFileMode(stateDir, DirMode);
        if (RootOwned.Problem(stateDir, RootOwned.Kind.Directory) is { } problem)
            throw new CommandException($"cannot use the state directory: {problem}");
        // SQLite gives the -wal and -shm files the database file's mode: a 0600 index keeps them 0600.
        var index = Path.Combine(stateDir, IndexFile);
        if (!File.Exists(index))
            new FileStream(index, new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = FileMode }).Dispose();
        foreach (var file in Directory.EnumerateFiles(stateDir))
            if (Path.GetFileName(file) is var name && (name.StartsWith(IndexFile, StringComparison.Ordinal) || name.StartsWith("tierfs", StringComparison.Ordinal) && name.Contains(".log", StringComparison.Ordinal)))
                File.SetUnixFileMode(file, FileMode);
    }
}
