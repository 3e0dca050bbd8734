using System.Text.Json;
using TierFs.IntegrationTests.Harness;
using static TierFs.IntegrationTests.Tiering.TierHarness;

namespace TierFs.IntegrationTests.Daemon;

/// <summary>Mounts with a config of policies, and reads what the daemon reports.</summary>
internal static class DaemonHarness
{
    /// <summary>Writes the config (YAML under a remote-less default) and mounts with it.</summary>
    public static TestMount MountWith(string yaml, Action<TestMount>? fill = null, bool daemon = false)
    {
        var m = TestMount.Create();
        try
        {
            fill?.Invoke(m);
            var config = WriteConfig(m.Root, yaml);
            if (daemon) m.Mount("--config", config);
            else m.Mount("--config", config, "--no-daemon");
            return m;
        }
        catch
        {
            m.Dispose();
            throw;
        }
    }

    public static void Write(string path, int size, int seed)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, Content(size, seed));
    }

    public static RunResult PolicyRun(TestMount m, params string[] args)
    {
        var r = Tierfs(["policy", "run", m.MountPoint, .. args]);
        Assert.True(r.ExitCode == 0, $"policy run: {r}\nlog: {m.Log}");
        return r;
    }

    public static JsonElement Status(TestMount m)
    {
        var r = Tierfs("status", "--json", m.MountPoint);
        Assert.True(r.ExitCode == 0, $"status: {r}");
        return JsonDocument.Parse(r.Stdout).RootElement.Clone();
    }

    public static List<JsonElement> Jobs(TestMount m) => Status(m).GetProperty("jobs").EnumerateArray().ToList();

    /// <summary>Every regular file below the mount with its state, "path=state", sorted.</summary>
    public static string States(TestMount m)
    {
        var r = Tierfs("state", "-r", m.MountPoint);
        Assert.True(r.ExitCode == 0, $"state -r: {r}");
        return string.Join(" ", r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', 2))
            .Select(p => $"{Path.GetRelativePath(m.MountPoint, p[1])}={p[0]}")
            .Order(StringComparer.Ordinal));
    }
}
