using TierFs.IntegrationTests.Harness;

namespace TierFs.IntegrationTests.West;

/// <summary>
/// A real `tierfs mount --remote` of an east mount's pair: its own temp tree (mnt/, state/) and
/// configuration (the east one's remote and pair, plus <c>west:</c> keys). Dispose unmounts and deletes.
/// </summary>
internal sealed class WestMount : IDisposable
{
    private readonly TestMount _m;

    private WestMount(TestMount m, string config)
    {
        _m = m;
        ConfigFile = config;
    }

    public string MountPoint => _m.MountPoint;
    public string StateDir => _m.StateDir;
    public string ConfigFile { get; }
    public string Log => _m.Log;
    public bool IsMounted => _m.IsMounted;

    public string W(string relative) => _m.M(relative);

    /// <summary>Mounts the pair of <paramref name="east"/> west; <paramref name="westYaml"/> is appended to its configuration.</summary>
    public static WestMount Start(S3TierMount east, string westYaml = "west:\n  refresh: 1s\n", params string[] args)
    {
        var m = TestMount.Create();
        try
        {
            var config = Path.Combine(m.Root, "west.yaml");
            File.WriteAllText(config, File.ReadAllText(east.ConfigFile) + westYaml);
            var r = ProcEnv.Run(Proc.Tierfs, ["mount", "--remote", "--config", config, m.MountPoint, "--state-dir", m.StateDir, .. args], S3TierMount.AwsEnv);
            if (r.ExitCode != 0) throw new InvalidOperationException($"tierfs mount --remote failed: {r}\nlog: {m.Log}");
            if (!m.IsMounted) throw new InvalidOperationException($"tierfs mount --remote returned 0 but nothing is mounted on {m.MountPoint}");
            return new WestMount(m, config);
        }
        catch
        {
            m.Dispose();
            throw;
        }
    }

    public void Dispose() => _m.Dispose();
}
