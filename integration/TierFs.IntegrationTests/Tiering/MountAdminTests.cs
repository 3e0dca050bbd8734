using TierFs.IntegrationTests.Harness;
using TierFs.IntegrationTests.Remote;
using static TierFs.IntegrationTests.Tiering.TierHarness;

namespace TierFs.IntegrationTests.Tiering;

/// <summary>
/// What an administrator meets when mounting (issue 9, item 18): a non-empty mountpoint, a
/// read-only mount, an archive that frees no space, and a configuration changed without unmounting.
/// </summary>
public class MountAdminTests
{
    private static List<string> Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();

    [Fact]
    public void A_non_empty_mountpoint_is_refused_unless_nonempty_or_in_place()
    {
        using var m = TestMount.Create();
        File.WriteAllText(Path.Combine(m.MountPoint, "hidden"), "x");
        var r = Proc.TierfsRun("mount", m.Backing, m.MountPoint, "--state-dir", m.StateDir);
        BadConfigTests.AssertOneLineRefusal(r, m);
        Assert.Equal($"tierfs: MOUNTPOINT {m.MountPoint} is not empty: the mount would hide its files (empty it, mount in place with BACKING = MOUNTPOINT, or add -o nonempty)\n", r.Stderr);

        m.Mount("-o", "nonempty");
        Assert.False(File.Exists(Path.Combine(m.MountPoint, "hidden"))); // hidden under the mount, as asked
        Assert.Equal(0, m.Unmount().ExitCode);

        using var inPlace = TestMount.Create(inPlace: true);
        File.WriteAllText(inPlace.B("data"), "kept");
        inPlace.Mount();
        Assert.Equal("kept", File.ReadAllText(inPlace.M("data")));
    }

    [Fact]
    public void A_read_only_mount_refuses_to_move_files_and_still_recalls_on_open()
    {
        using var m = TestMount.Create();
        var data = Content(300_000, 7);
        File.WriteAllBytes(m.B("stub"), data);
        File.WriteAllBytes(m.B("plain"), Content(1000, 8));
        var config = WriteConfig(m.Root, "policies:\n  - name: all\n    where: \"size > 0\"\nschedule:\n  min_age: 0s\n");
        m.Mount("--config", config);
        Migrate(m.M("stub"));
        Assert.Equal(0, m.Unmount().ExitCode);
        m.Mount("--config", config, "-o", "ro");

        foreach (var op in new[] { "archive", "release", "migrate" })
        {
            var r = Tierfs(op, m.M("plain"));
            Assert.True(r.ExitCode == 1, r.ToString());
            Assert.Equal($"tierfs: {m.M("plain")}: the mount is read-only (-o ro): {op} refused (mount it read-write to move files)\n", r.Stderr);
        }
        var flags = Tierfs("state", "--set", "noarchive", m.M("plain"));
        Assert.True(flags.ExitCode == 1 && flags.Stderr.Contains("read-only", StringComparison.Ordinal), flags.ToString());
        var run = Tierfs("policy", "run", m.MountPoint);
        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal("tierfs: the mount is read-only (-o ro): policies do not move files (--dry-run shows what they would do)\n", run.Stderr);
        Assert.Contains("all: would migrate 1 files", Tierfs("policy", "run", m.MountPoint, "--dry-run").Stdout);
        Assert.Contains("daemon: off (read-only mount, -o ro)", Tierfs("status", m.MountPoint).Stdout);
        Assert.Equal("resident", State(m.M("plain")));

        // Reading a stub on a read-only mount brings its data back into the backing file (documented).
        Assert.Equal(data, File.ReadAllBytes(m.M("stub")));
        Assert.Equal("archived", State(m.M("stub")));
        Assert.Equal(30 /* EROFS */, Px.TryOpen(m.M("new"), Px.O_WRONLY | Px.O_CREAT, out _));
    }

    [Fact]
    public void A_directory_archive_on_the_backing_filesystem_is_warned_about()
    {
        using var m = TestMount.Create();
        var r = Proc.TierfsRun("mount", m.Backing, m.MountPoint, "--state-dir", m.StateDir);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"the remote tier (directory {m.StateDir}/archive) is on the same filesystem as BACKING {m.Backing}: migrating there frees no space", r.Stderr);
        Assert.True(Proc.WaitUntil(() => m.Log.Contains("migrating there frees no space", StringComparison.Ordinal), TimeSpan.FromSeconds(10)), m.Log);
        Assert.Equal(0, m.Unmount().ExitCode);

        // An archive on another filesystem: no warning.
        var archive = Directory.CreateDirectory(Path.Combine("/dev/shm", $"tierfs-it-archive-{Guid.NewGuid():N}")).FullName;
        try
        {
            var config = WriteConfig(m.Root, $"remote:\n  path: {archive}\n");
            r = Proc.TierfsRun("mount", m.Backing, m.MountPoint, "--state-dir", m.StateDir, "--config", config);
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.DoesNotContain("same filesystem", r.Stderr);
            Assert.Equal(0, m.Unmount().ExitCode);
        }
        finally
        {
            Directory.Delete(archive, recursive: true);
        }
    }

    private const string PolicyA = "policies:\n  - name: a\n    where: \"size > 0\"\nschedule:\n  interval: 10m\n";

    private static string PolicyNames(TestMount m)
    {
        var r = Tierfs("policy", "list", m.MountPoint);
        Assert.True(r.ExitCode == 0, r.ToString());
        return string.Join(",", Lines(r.Stdout).Skip(2).Select(l => l.Split(' ')[0]));
    }

    [Fact]
    public void Reload_takes_a_changed_configuration_checks_it_first_and_refuses_a_new_remote()
    {
        using var m = TestMount.Create();
        var config = WriteConfig(m.Root, PolicyA);
        m.Mount("--config", config);
        Assert.Equal("a", PolicyNames(m));

        File.WriteAllText(config, "log_level: debug\npolicies:\n  - name: b\n    where: \"size > 0\"\n  - name: c\n    where: \"size > 1\"\nschedule:\n  interval: 5m\n");
        var r = Tierfs("reload", m.MountPoint);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal($"{config}: reloaded: log_level: none → debug, policies: 1 policies → 2 policies, schedule.interval: 10m → 5m\n", r.Stdout);
        Assert.Equal("b,c", PolicyNames(m));
        Assert.Contains("daemon: every 5m", Tierfs("status", m.MountPoint).Stdout);

        // A bad file changes nothing: one line naming file, line and key, exit 2.
        File.WriteAllText(config, "policies:\n  - name: d\n    where: \"sise > 0\"\n");
        r = Tierfs("reload", m.MountPoint);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Equal($"tierfs: {config}:3: policy 'd': where: no such column: sise (at position 1) (the configuration in force is unchanged)\n", r.Stderr);
        Assert.Equal("b,c", PolicyNames(m));

        // The remote tier's identity cannot change under the stubs.
        var elsewhere = Path.Combine(m.Root, "elsewhere");
        Directory.CreateDirectory(elsewhere);
        File.WriteAllText(config, $"remote:\n  path: {elsewhere}\n" + PolicyA);
        r = Tierfs("reload", m.MountPoint);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Single(Lines(r.Stderr));
        Assert.Contains($"remote.path: {m.StateDir}/archive → {elsewhere}: the remote tier's identity (type, bucket or path, prefix) cannot change on a running mount", r.Stderr);
        Assert.Equal("b,c", PolicyNames(m));

        // Without a configuration file there is nothing to read again.
        using var bare = TestMount.Start();
        r = Tierfs("reload", bare.MountPoint);
        Assert.True(r.ExitCode == 2 && r.Stderr.Contains("without --config", StringComparison.Ordinal), r.ToString());
    }

    [Fact]
    public void Sighup_reloads_the_configuration_and_a_bad_one_leaves_the_old_in_force()
    {
        using var m = TestMount.Create();
        var config = WriteConfig(m.Root, PolicyA);
        m.Mount("--config", config);
        var pid = DaemonProcess.PidOf(m);

        File.WriteAllText(config, PolicyA.Replace("name: a", "name: hup", StringComparison.Ordinal));
        Assert.Equal(0, Mono.Unix.Native.Syscall.kill(pid, Mono.Unix.Native.Signum.SIGHUP));
        Assert.True(Proc.WaitUntil(() => PolicyNames(m) == "hup", TimeSpan.FromSeconds(20)), m.Log);

        File.WriteAllText(config, "schedule:\n  interval: soon\n");
        Assert.Equal(0, Mono.Unix.Native.Syscall.kill(pid, Mono.Unix.Native.Signum.SIGHUP));
        Assert.True(Proc.WaitUntil(() => m.Log.Contains("schedule.interval: expected a duration", StringComparison.Ordinal), TimeSpan.FromSeconds(20)), m.Log);
        Assert.Equal("hup", PolicyNames(m));
        Assert.True(DaemonProcess.IsAlive(pid));
    }
}

/// <summary>Reload with an S3 remote: transfer settings change with a new client, checked before it takes over.</summary>
public sealed class S3ReloadTests(S3ServerFixture fixture) : IClassFixture<S3ServerFixture>
{
    [Fact]
    public void A_new_request_timeout_is_taken_and_a_dead_endpoint_is_refused()
    {
        using var t = S3TierMount.Start(fixture.Server, "reload/", remoteYaml: "request_timeout: 30s");
        var original = File.ReadAllText(t.ConfigFile);

        File.WriteAllText(t.ConfigFile, original.Replace("request_timeout: 30s", "request_timeout: 45s", StringComparison.Ordinal));
        var r = Tierfs("reload", t.M.MountPoint);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal($"{t.ConfigFile}: reloaded: remote.request_timeout: 30s → 45s\n", r.Stdout);

        var dead = S3Server.FreePort();
        File.WriteAllText(t.ConfigFile, original.Replace(fixture.Server.Endpoint, $"http://127.0.0.1:{dead}", StringComparison.Ordinal).Replace("request_timeout: 30s", "request_timeout: 2s", StringComparison.Ordinal));
        r = Tierfs("reload", t.M.MountPoint);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Single(r.Stderr.TrimEnd('\n').Split('\n'));
        Assert.Contains($"127.0.0.1:{dead}", r.Stderr);
        Assert.EndsWith("(the configuration in force is unchanged)\n", r.Stderr);

        // The store in force still works.
        File.WriteAllBytes(t.M.M("f"), Content(100_000, 3));
        Migrate(t.M.M("f"));
        Assert.Equal(Content(100_000, 3), File.ReadAllBytes(t.M.M("f")));

        File.WriteAllText(t.ConfigFile, original.Replace($"bucket: {fixture.Server.Bucket}", "bucket: another", StringComparison.Ordinal));
        r = Tierfs("reload", t.M.MountPoint);
        Assert.True(r.ExitCode == 2 && r.Stderr.Contains($"remote.bucket: {fixture.Server.Bucket} → another: the remote tier's identity", StringComparison.Ordinal), r.ToString());
    }
}

/// <summary>
/// Reloads that replace the remote client while files are migrated and recalled: every transfer
/// finishes on the client it started on, no byte is lost or wrong (many cycles, concurrent readers).
/// </summary>
public sealed class S3ReloadStressTests
{
    [Fact]
    public async Task Migrations_and_recalls_under_repeated_reloads_keep_every_byte()
    {
        using var s3 = S3Server.Launch();
        using var t = S3TierMount.Start(s3, "reload-stress/", remoteYaml: "request_timeout: 30s\npart_size: 5M");
        var m = t.M;
        const int files = 8;
        var content = new byte[files][];
        for (var i = 0; i < files; i++)
        {
            content[i] = Content(1_000_000 + i * 700_000, i);
            File.WriteAllBytes(m.M($"f{i}"), content[i]);
        }
        var original = File.ReadAllText(t.ConfigFile);
        for (var cycle = 0; cycle < 6; cycle++)
        {
            var migrate = Task.Run(() => Tierfs(["migrate", .. Enumerable.Range(0, files).Select(i => m.M($"f{i}"))]));
            // Reloads alternate the request timeout: each one makes a new client while uploads run.
            for (var r = 0; r < 3; r++)
            {
                File.WriteAllText(t.ConfigFile, original.Replace("request_timeout: 30s", $"request_timeout: {31 + (cycle * 3 + r) % 2}s", StringComparison.Ordinal));
                var reload = Tierfs("reload", m.MountPoint);
                Assert.True(reload.ExitCode == 0, reload.ToString());
            }
            var migrated = await migrate.WaitAsync(TimeSpan.FromSeconds(300));
            Assert.True(migrated.ExitCode == 0, $"cycle {cycle}: {migrated}\n{m.Log}");

            // Readers recall concurrently while the client is replaced again; then some files change.
            var readers = Enumerable.Range(0, files).Select(i => Task.Run(() => File.ReadAllBytes(m.M($"f{i}")))).ToList();
            File.WriteAllText(t.ConfigFile, original);
            Assert.Equal(0, Tierfs("reload", m.MountPoint).ExitCode);
            for (var i = 0; i < files; i++) Assert.Equal(content[i], await readers[i].WaitAsync(TimeSpan.FromSeconds(120)));
            for (var i = cycle % 2; i < files; i += 2)
            {
                content[i][cycle] ^= 0xff;
                File.WriteAllBytes(m.M($"f{i}"), content[i]);
            }
        }
        for (var i = 0; i < files; i++) Assert.Equal(content[i], File.ReadAllBytes(m.M($"f{i}")));
    }
}
