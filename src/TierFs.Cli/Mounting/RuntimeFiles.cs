using System.Text.Json;

namespace TierFs.Cli.Mounting;

/// <summary>What a running mount tells the other tierfs commands, in /run/tierfs/NAME.json.</summary>
public sealed record MountRecord(int Pid, string Backing, string MountPoint, string StateDir, string LogFile);

public static class RuntimeFiles
{
    public static string RunDir { get; set; } = Environment.GetEnvironmentVariable("TIERFS_RUN_DIR") ?? "/run/tierfs";

    public static string RecordPath(string mountPoint) => Path.Combine(RunDir, MountName.For(mountPoint) + ".json");

    /// <summary>The mount's control socket (tierfs state|archive|release|migrate|recall talk to the daemon there).</summary>
    public static string SocketPath(string mountPoint) => Path.Combine(RunDir, MountName.For(mountPoint) + ".sock");

    public static void Write(MountRecord record)
    {
        Directory.CreateDirectory(RunDir);
        var path = RecordPath(record.MountPoint);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(record));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    public static MountRecord? Read(string mountPoint)
    {
        try { return JsonSerializer.Deserialize<MountRecord>(File.ReadAllText(RecordPath(mountPoint))); }
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
