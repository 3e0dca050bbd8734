using TierFs.IntegrationTests.Harness;
using TierFs.IntegrationTests.Remote;
using static TierFs.IntegrationTests.Tiering.TierHarness;
using static TierFs.IntegrationTests.Trust.TrustHarness;

namespace TierFs.IntegrationTests.Trust;

/// <summary>
/// A tree is bound to its remote tier: each record names the remote it was archived to; a mount of
/// another remote (a remount without --config, a mistyped prefix) is refused while its index knows
/// such records, and, forced or not knowing, serves those stubs with EIO naming both remotes,
/// never marking them lost. `tierfs mount` without --config uses $TIERFS_CONFIG or /etc/tierfs/tierfs.yaml.
/// </summary>
public sealed class RemoteBindingTests(S3ServerFixture fixture) : IClassFixture<S3ServerFixture>
{
    private static readonly Dictionary<string, string> NoDefaultConfig = new() { ["TIERFS_CONFIG"] = "" };
    private readonly S3Server _s3 = fixture.Server;

    private static RunResult MountWith(TestMount m, IReadOnlyDictionary<string, string> env, params string[] extra) =>
        TierfsEnv(env, ["mount", m.Backing, m.MountPoint, "--state-dir", m.StateDir, .. extra]);

    private static byte[] MigratedFile(S3TierMount t, string name, int seed)
    {
        var data = Content(400_000, seed);
        File.WriteAllBytes(t.M.M(name), data);
        Migrate(t.M.M(name));
        return data;
    }

    [Fact]
    public void A_remount_without_the_config_is_refused_naming_both_remotes_and_forced_serves_EIO_never_lost()
    {
        using var t = S3TierMount.Start(_s3, "binding/");
        var m = t.M;
        var data = MigratedFile(t, "s.bin", seed: 31);
        var record = t.Record("s.bin")!.Value.GetRawText();
        Assert.Contains($"\"remote\":\"s3://{_s3.Bucket}/binding/\"", record);
        Assert.Equal(0, m.Unmount().ExitCode);

        var r = MountWith(m, NoDefaultConfig);
        Assert.True(r.ExitCode != 0, r.ToString());
        Assert.False(m.IsMounted);
        var line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"s3://{_s3.Bucket}/binding/", line);
        Assert.Contains("directory:", line);
        Assert.Contains("allow_foreign", line);

        r = MountWith(m, NoDefaultConfig, "-o", "allow_foreign");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(Px.EIO, OpenErrno(m.M("s.bin")));
        Assert.Equal(Px.EIO, OpenErrno(m.M("s.bin")));
        Assert.Contains(m.Log.Split('\n'), l => l.Contains("s.bin") && l.Contains($"s3://{_s3.Bucket}/binding/") && l.Contains("directory:"));
        r = Tierfs("state", m.M("s.bin"));
        Assert.True(r.ExitCode == 0 && r.Stdout.Trim() == $"released {m.M("s.bin")}" && r.Stderr.Contains($"s3://{_s3.Bucket}/binding/"), r.ToString());
        foreach (var op in new[] { "check", "recall", "archive" })
        {
            r = Tierfs(op, m.M("s.bin"));
            Assert.True(r.ExitCode == 1 && r.Stderr.Contains($"s3://{_s3.Bucket}/binding/"), $"{op}: {r}");
        }
        Assert.Equal(record, t.Record("s.bin")!.Value.GetRawText());
        Assert.Equal(0, m.Unmount().ExitCode);

        // With its remote again, everything is as it was.
        t.Mount();
        Assert.Equal(data, File.ReadAllBytes(m.M("s.bin")));
    }

    [Fact]
    public void A_mistyped_prefix_is_refused_and_a_new_state_dir_that_knows_nothing_still_never_marks_lost()
    {
        using var t = S3TierMount.Start(_s3, "binding-prefix/");
        var m = t.M;
        var data = MigratedFile(t, "p.bin", seed: 32);
        Assert.Equal(0, m.Unmount().ExitCode);
        var typo = Path.Combine(m.Root, "typo.yaml");
        File.WriteAllText(typo, File.ReadAllText(t.ConfigFile).Replace("binding-prefix/", "binding-prefx/"));

        var r = MountWith(m, NoDefaultConfig, "--config", typo);
        Assert.True(r.ExitCode != 0 && r.Stderr.Contains("binding-prefix/") && r.Stderr.Contains("binding-prefx/"), r.ToString());
        Assert.False(m.IsMounted);

        // A fresh state directory: the index knows nothing, so the mount goes ahead; the stub still refuses.
        var fresh = Path.Combine(m.Root, "fresh-state");
        r = TierfsEnv(NoDefaultConfig, "mount", m.Backing, m.MountPoint, "--state-dir", fresh, "--config", typo);
        Assert.True(r.ExitCode == 0, r.ToString());
        var freshLog = Path.Combine(fresh, "tierfs.log");
        Assert.True(Proc.WaitUntil(() => File.ReadAllLines(freshLog).Any(l => l.Contains("WARN") && l.Contains("1 tiered files archived to the remote tier") && l.Contains("binding-prefix/")), TimeSpan.FromSeconds(20)),
            "the first scan did not warn of the stub of another remote:\n" + File.ReadAllText(freshLog));
        Assert.Equal(Px.EIO, OpenErrno(m.M("p.bin")));
        Assert.Equal("released", State(m.M("p.bin")));
        r = Tierfs("check", m.M("p.bin"));
        Assert.True(r.ExitCode == 1 && r.Stderr.Contains("binding-prefix/"), r.ToString());
        Assert.Equal("released", State(m.M("p.bin")));
        Assert.Contains(File.ReadAllLines(Path.Combine(fresh, "tierfs.log")), l => l.Contains("recall") && l.Contains("binding-prefix/") && l.Contains("binding-prefx/"));
        Assert.Equal(0, m.Unmount().ExitCode);

        t.Mount();
        Assert.Equal(data, File.ReadAllBytes(m.M("p.bin")));
    }

    [Fact]
    public void Mount_without_config_uses_the_default_configuration_file()
    {
        using var t = S3TierMount.Start(_s3, "binding-default/");
        var m = t.M;
        var data = MigratedFile(t, "d.bin", seed: 33);
        Assert.Equal(0, m.Unmount().ExitCode);

        var r = MountWith(m, new Dictionary<string, string> { ["TIERFS_CONFIG"] = t.ConfigFile });
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(data, File.ReadAllBytes(m.M("d.bin")));
        Assert.Contains(m.Log.Split('\n'), l => l.Contains($"s3://{_s3.Bucket}/binding-default/"));
    }
}
