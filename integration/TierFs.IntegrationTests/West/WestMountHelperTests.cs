using TierFs.Fuse;
using TierFs.Host;
using TierFs.IntegrationTests.Harness;
using TierFs.IntegrationTests.Remote;
using static TierFs.IntegrationTests.West.WestTree;

namespace TierFs.IntegrationTests.West;

/// <summary>
/// The west mount through mount(8) and the helper mount.fuse.tierfs (option `remote`): an /etc/fstab
/// line in a private mount namespace, and `mount -t fuse.tierfs` with config= and generation=.
/// </summary>
public class WestMountHelperTests(S3ServerFixture s3, MountHelperFixture helper) : IClassFixture<S3ServerFixture>, IClassFixture<MountHelperFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly byte[] Data = Content((1 << 20) + 17, 4);

    // An east mount with one archived file, published (generation 1), then a second file (generation 2).
    private S3TierMount East(string prefix)
    {
        var t = S3TierMount.Start(s3.Server, prefix, "part_size: 5M", S3TierMount.Pair("gfs"));
        try
        {
            File.WriteAllBytes(t.M.M("data.bin"), Data);
            Ok(Tierfs("migrate", t.M.M("data.bin")));
            Ok(Tierfs("sync", t.M.MountPoint));
            File.WriteAllText(t.M.M("later.txt"), "later\n");
            Ok(Tierfs("sync", t.M.MountPoint));
            return t;
        }
        catch
        {
            t.Dispose();
            throw;
        }
    }

    private static string WestConfig(S3TierMount east, TestMount w)
    {
        var config = Path.Combine(w.Root, "west.yaml");
        File.WriteAllText(config, File.ReadAllText(east.ConfigFile) + "west:\n  refresh: 1s\n");
        return config;
    }

    /// <summary>mount(8) with this build's tierfs and the remote tier's credentials in its environment (it passes them on to the helper).</summary>
    private static RunResult Run(string program, params string[] args) =>
        Proc.Run("env", [$"TIERFS_BIN={Proc.Tierfs}", .. S3TierMount.AwsEnv.Select(kv => $"{kv.Key}={kv.Value}"), program, .. args]);

    [Fact]
    public void An_fstab_line_with_the_option_remote_mounts_the_west_view_read_only()
    {
        using var t = East("west-helper-fstab/");
        using var w = TestMount.Create();
        var fstab = Path.Combine(w.Root, "fstab");
        File.WriteAllText(fstab, $"{WestConfig(t, w)} {w.MountPoint} fuse.tierfs remote,_netdev,nofail,state_dir={w.StateDir} 0 0\n");
        // mount(8) reads /etc/fstab: in a mount namespace of its own the test's is bound over it (the machine's is never touched).
        const string script = """
            trap 'umount -l "$2" 2>/dev/null' EXIT
            mount --bind "$1" /etc/fstab || exit 90
            mount "$2" || exit 91
            findmnt -n -o FSTYPE,SOURCE --mountpoint "$2"
            cmp "$2/data.bin" "$3" || exit 92
            stat -c %s "$2/later.txt"
            grep -F " $2 " /proc/self/mountinfo | cut -d' ' -f6
            if echo x > "$2/new.txt"; then exit 93; fi
            mount -o remount,noexec "$2" || exit 94
            grep -F " $2 " /proc/self/mountinfo | cut -d' ' -f6
            umount "$2" || exit 95
            """;
        var expected = Path.Combine(w.Root, "expected.bin");
        File.WriteAllBytes(expected, Data);
        var r = Run("unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", fstab, w.MountPoint, expected);
        Assert.True(r.ExitCode == 0, $"{r}\nlog: {w.Log}");
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 4, r.ToString());
        Assert.StartsWith("fuse.tierfs tierfs-west:heb@", lines[0]);
        Assert.Equal("6", lines[1]); // later.txt, of generation 2: listed (never archived, so its open is ENODATA)
        Assert.Subset(lines[2].Split(',').ToHashSet(), new HashSet<string> { "ro", "nosuid", "nodev" });
        // A remount changes the flags it names; the west mount stays read-only (mount(8) adds rw for an fstab line).
        Assert.Subset(lines[3].Split(',').ToHashSet(), new HashSet<string> { "ro", "nosuid", "nodev", "noexec" });
        Assert.Contains("Read-only file system", r.Stderr);
        Assert.Contains("generation 2", w.Log);
    }

    [Fact]
    public void Mount_t_with_remote_config_and_generation_pins_that_generation_and_umount_ends_the_daemon()
    {
        using var t = East("west-helper-mount-t/");
        using var w = TestMount.Create();
        var config = WestConfig(t, w);
        try
        {
            var r = Run("mount", "-t", "fuse.tierfs", "tierfs-west", w.MountPoint, "-o", $"remote,config={config},generation=1,state_dir={w.StateDir}");
            Assert.True(r.ExitCode == 0, $"mount -t fuse.tierfs -o remote,...: {r}\nlog: {w.Log}");
            Assert.True(w.IsMounted, "mount returned 0 but nothing is mounted");
            Assert.StartsWith("tierfs-west:heb@", MountTable.At(w.MountPoint)!.Source);
            Assert.Equal(Data, File.ReadAllBytes(w.M("data.bin")));
            Assert.False(File.Exists(w.M("later.txt")), "generation 1 pinned, yet a file of generation 2 shows");
            var pid = RuntimeFiles.Read(w.MountPoint)!.Pid;
            r = Proc.Run("umount", w.MountPoint);
            Assert.True(r.ExitCode == 0, $"umount: {r}");
            Assert.True(Proc.WaitUntil(() => !Directory.Exists($"/proc/{pid}") || File.ReadAllText($"/proc/{pid}/stat").Contains(") Z "), Bound),
                $"the west daemon {pid} still runs after umount");
        }
        finally
        {
            if (w.IsMounted) Proc.Run("umount", "-l", w.MountPoint);
        }
    }

    [Fact]
    public void A_bad_generation_is_one_line_and_exit_2_with_nothing_mounted()
    {
        using var w = TestMount.Create();
        var r = Proc.Run("env", [$"TIERFS_BIN={Proc.Tierfs}", "bash", helper.RepoHelper, "tierfs-west", w.MountPoint, "-o", "remote,config=/nonexistent.yaml,generation=last"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("mount.fuse.tierfs: generation=last: expected a generation number", r.Stderr.Trim());
        Assert.False(w.IsMounted);
    }
}
