using System.Text.Json;
using TierFs.Posix;

namespace TierFs.Host;

/// <summary>What a running mount tells the other tierfs commands, in /run/tierfs/NAME.json.</summary>
public sealed record MountRecord(int Pid, string Backing, string MountPoint, string StateDir, string LogFile);

/// <summary>
/// /run/tierfs: the mounts' records (0644) and control sockets, in a directory that is root's
/// and 0755, so that no user can move, replace or plant either. Modes are set explicitly, never
/// left to the umask (whatever started the daemon chose it). Readers
/// refuse a directory or record that is not root's and writable only by root.
/// </summary>
public static class RuntimeFiles
{
    private const UnixFileMode DirMode = (UnixFileMode)0b111_101_101; // 0755
    private const UnixFileMode RecordMode = (UnixFileMode)0b110_100_100; // 0644

    public static string RunDir { get; set; } = Environment.GetEnvironmentVariable("TIERFS_RUN_DIR") ?? "/run/tierfs";

    public static string RecordPath(string mountPoint) => Path.Combine(RunDir, MountName.For(mountPoint) + ".json");

    /// <summary>The mount's control socket (tierfs state|archive|release|migrate|recall talk to the daemon there).</summary>
    public static string SocketPath(string mountPoint) => Path.Combine(RunDir, MountName.For(mountPoint) + ".sock");

    /// <summary>In the mount daemon, before anything is put there: the directory exists, is root's and 0755.</summary>
    public static void PrepareDirectory() => StateDirectory.EnsureRootDirectory(RunDir, DirMode, "the runtime directory");

    public static void Write(MountRecord record)
    {
        var path = RecordPath(record.MountPoint);
        var temp = path + ".tmp";
        File.Delete(temp);
        using (var file = new FileStream(temp, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = RecordMode }))
        {
            File.SetUnixFileMode(file.SafeFileHandle, RecordMode);
            JsonSerializer.Serialize(file, record);
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The mount's record, or null if there is none. Throws <see cref="CommandException"/>
    /// for one that root does not own alone (planted or tampered with).</summary>
    public static MountRecord? Read(string mountPoint)
    {
        var path = RecordPath(mountPoint);
        if ((RootOwned.Problem(RunDir, RootOwned.Kind.Directory) ?? RootOwned.Problem(path, RootOwned.Kind.File)) is { } problem)
            throw new CommandException($"refusing the runtime record of {mountPoint}: {problem}");
        try { return JsonSerializer.Deserialize<MountRecord>(File.ReadAllText(path)); }
        catch (IOException) { return null; }
        catch (JsonException) { return null; }
    }

    /// <summary>The records of every mount that left one (running, or a daemon that died without removing it).</summary>
    public static IReadOnlyList<MountRecord> All()
    {
        var records = new List<MountRecord>();
        if (!Directory.Exists(RunDir)) return records;
        foreach (var file in Directory.EnumerateFiles(RunDir, "*.json"))
        {
            try
            {
                if (JsonSerializer.Deserialize<MountRecord>(File.ReadAllText(file)) is { } r) records.Add(r);
            }
            catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException) { }
        }
        return records;
    }

    public static void Remove(string mountPoint)
    {
        try { File.Delete(RecordPath(mountPoint)); } catch (IOException) { }
    }
}
