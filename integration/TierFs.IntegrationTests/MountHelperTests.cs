using TierFs.Host;
using TierFs.Fuse;
using TierFs.IntegrationTests.Harness;

namespace TierFs.IntegrationTests;

/// <summary>
/// Makes /sbin/mount.fuse.tierfs available for the tests of <see cref="MountHelperTests"/>:
/// the installed one if there is one (mount-scripts/install.sh puts it there), otherwise a copy
/// of mount-scripts/mount.fuse.tierfs that is removed again afterwards. Either way the helper
/// runs the tierfs of this test build: mount(8) hands its environment (less HOME, IFS, LD_*
/// and a few others) on to its helpers, so TIERFS_BIN reaches the helper.
/// </summary>
public sealed class MountHelperFixture : IDisposable
{
    public const string InstalledHelper = "/sbin/mount.fuse.tierfs";

    /// <summary>mount-scripts/mount.fuse.tierfs in this repository.</summary>
    public string RepoHelper { get; }

    private readonly bool _installedByUs;

    public MountHelperFixture()
    {
        RepoHelper = FindRepoFile("mount-scripts/mount.fuse.tierfs");
        if (!File.Exists(InstalledHelper))
        {
            var tmp = InstalledHelper + ".tmp-" + Environment.ProcessId;
            File.Copy(RepoHelper, tmp, overwrite: true);
            File.SetUnixFileMode(tmp, (UnixFileMode)0b111_101_101); // 0755
            File.Move(tmp, InstalledHelper, overwrite: false);
            _installedByUs = true;
        }
    }

    public void Dispose()
    {
        if (_installedByUs)
            try { File.Delete(InstalledHelper); } catch (IOException) { }
    }

    /// <summary>A file of this repository, found above the test binaries.</summary>
    public static string FindRepoFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"{relative} not found above {AppContext.BaseDirectory}");
    }
}

/// <summary>
/// mount(8), umount(8) and /etc/fstab-style lines for type fuse.tierfs, through the helper
/// mount.fuse.tierfs: real mounts, as root.
/// </summary>
public sealed class MountHelperTests(MountHelperFixture fixture) : IClassFixture<MountHelperFixture>
{
    private static readonly TimeSpan DaemonExitTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Runs a program with TIERFS_BIN pointing at this build's tierfs.</summary>
    private static RunResult WithTierfs(string program, params string[] args) =>
        Proc.Run("env", [$"TIERFS_BIN={Proc.Tierfs}", program, .. args]);

    private static int DaemonPid(TestMount m)
    {
        var record = RuntimeFiles.Read(m.MountPoint);
        Assert.True(record is not null, $"no runtime record for {m.MountPoint} in {RuntimeFiles.RunDir}");
        return record!.Pid;
    }

    /// <summary>True while the process exists and is not a zombie (an exited daemon waits for
    /// PID 1 to reap it, which some container inits do only every few seconds).</summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state != "Z" && state != "X";
        }
        catch (IOException) { return false; }
    }

    /// <summary>Unmounts with umount(8), so that libmount also forgets what it recorded in utab.</summary>
    private static void UmountQuietly(TestMount m)
    {
        if (m.IsMounted) Proc.Run("umount", "-l", m.MountPoint);
    }

    /// <summary>umount(8) ends the mount and, with it, the daemon.</summary>
    private static void AssertUmountEndsDaemon(TestMount m, int pid)
    {
        var r = Proc.Run("umount", m.MountPoint);
        Assert.True(r.ExitCode == 0, $"umount: {r}");
        Assert.False(m.IsMounted, "still mounted after umount");
        Assert.True(Proc.WaitUntil(() => !IsRunning(pid), DaemonExitTimeout),
            $"the daemon (pid {pid}) is still running {DaemonExitTimeout.TotalSeconds:0}s after umount\nlog: {m.Log}");
    }

    private static string FstabEscape(string path) =>
        path.Replace("\\", "\\134").Replace(" ", "\\040").Replace("\t", "\\011");

    [Fact]
    public void Mount_t_fuse_tierfs_mounts_through_the_helper_and_umount_ends_the_daemon()
    {
        using var m = TestMount.Create();
        try
        {
            File.WriteAllText(m.B("hello.txt"), "hello through mount(8)\n");

            var r = WithTierfs("mount", "-t", "fuse.tierfs", m.Backing, m.MountPoint, "-o", $"attr_timeout=2,state_dir={m.StateDir}");

            Assert.True(r.ExitCode == 0, $"mount -t fuse.tierfs: {r}\nlog: {m.Log}");
            // mount(8) returns only once the mount is usable: no waiting here.
            Assert.True(m.IsMounted, "mount returned 0 but nothing is mounted");
            Assert.Equal(m.Backing, MountTable.At(m.MountPoint)!.Source);
            Assert.Equal("hello through mount(8)\n", File.ReadAllText(m.M("hello.txt")));
            // state_dir= from the -o list reached tierfs.
            Assert.True(File.Exists(m.LogFile), $"no log in the state_dir given with -o ({m.LogFile})");

            // The daemon is this build's tierfs: TIERFS_BIN went through mount(8) to the helper.
            var pid = DaemonPid(m);
            var exe = new FileInfo($"/proc/{pid}/exe").ResolveLinkTarget(returnFinalTarget: true)?.FullName;
            var expected = new FileInfo(Proc.Tierfs).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Proc.Tierfs;
            Assert.Equal(expected, exe);

            AssertUmountEndsDaemon(m, pid);
            Assert.Equal("hello through mount(8)\n", File.ReadAllText(m.B("hello.txt")));
        }
        finally
        {
            UmountQuietly(m);
        }
    }

    [Fact]
    public void Fstab_line_mounts_with_mount_fstab()
    {
        using var m = TestMount.Create();
        try
        {
            File.WriteAllText(m.B("data.txt"), "from fstab\n");
            var fstab = Path.Combine(m.Root, "fstab");
            File.WriteAllText(fstab,
                "# a TierFs line as an administrator writes it in /etc/fstab\n" +
                $"{FstabEscape(m.Backing)} {FstabEscape(m.MountPoint)} fuse.tierfs " +
                $"defaults,attr_timeout=2,noatime,state_dir={FstabEscape(m.StateDir)},_netdev,nofail,x-systemd.requires=network-online.target,comment=tierfs 0 0\n");

            var r = WithTierfs("mount", "--fstab", fstab, m.MountPoint);

            Assert.True(r.ExitCode == 0, $"mount --fstab: {r}\nlog: {m.Log}");
            Assert.True(m.IsMounted, "mount --fstab returned 0 but nothing is mounted");
            var info = MountTable.At(m.MountPoint)!;
            Assert.Equal(m.Backing, info.Source);
            Assert.Contains("noatime", info.Options.Split(','));
            Assert.True(File.Exists(m.LogFile), $"no log in the state_dir of the fstab line ({m.LogFile})");
            Assert.Equal("from fstab\n", File.ReadAllText(m.M("data.txt")));
            File.AppendAllText(m.M("data.txt"), "written through the mount\n");
            Assert.Equal("from fstab\nwritten through the mount\n", File.ReadAllText(m.B("data.txt")));

            AssertUmountEndsDaemon(m, DaemonPid(m));
        }
        finally
        {
            UmountQuietly(m);
        }
    }

    [Fact]
    public void Fstab_line_mounts_in_place()
    {
        using var m = TestMount.Create(inPlace: true);
        try
        {
            File.WriteAllText(m.B("kept.txt"), "same path\n");
            var fstab = Path.Combine(m.Root, "fstab");
            File.WriteAllText(fstab,
                $"{FstabEscape(m.Backing)} {FstabEscape(m.Backing)} fuse.tierfs defaults,state_dir={FstabEscape(m.StateDir)} 0 0\n");

            var r = WithTierfs("mount", "--fstab", fstab, m.Backing);

            Assert.True(r.ExitCode == 0, $"mount --fstab (in place): {r}\nlog: {m.Log}");
            Assert.True(m.IsMounted, "nothing is mounted in place");
            Assert.True(File.Exists(m.LogFile), $"no log in the state_dir of the fstab line ({m.LogFile})");
            Assert.Equal("same path\n", File.ReadAllText(m.M("kept.txt")));
            File.WriteAllText(m.M("new.txt"), "new\n");

            AssertUmountEndsDaemon(m, DaemonPid(m));
            Assert.Equal("new\n", File.ReadAllText(m.B("new.txt")));
        }
        finally
        {
            UmountQuietly(m);
        }
    }

    [Fact]
    public void Unknown_option_fails_with_a_clear_message_and_mounts_nothing()
    {
        using var m = TestMount.Create();
        try
        {
            var r = WithTierfs("mount", "-t", "fuse.tierfs", m.Backing, m.MountPoint, "-o", $"attr_timeout=2,no_such_option,state_dir={m.StateDir}");

            Assert.True(r.ExitCode != 0, $"mount with an unknown option succeeded: {r}");
            Assert.Contains("unknown mount option 'no_such_option'", r.Stderr);
            Assert.False(m.IsMounted, "something was mounted despite the unknown option");
            Assert.Null(RuntimeFiles.Read(m.MountPoint));
            Assert.Empty(Directory.GetFileSystemEntries(m.MountPoint));
        }
        finally
        {
            UmountQuietly(m);
        }
    }

    [Fact]
    public void Remount_changes_the_kernel_flags_of_the_live_mount()
    {
        using var m = TestMount.Create();
        try
        {
            File.WriteAllText(m.B("f.txt"), "before\n");
            var r = WithTierfs("mount", "-t", "fuse.tierfs", m.Backing, m.MountPoint, "-o", $"attr_timeout=2,state_dir={m.StateDir}");
            Assert.True(r.ExitCode == 0, $"mount: {r}\nlog: {m.Log}");
            var pid = DaemonPid(m);

            r = WithTierfs("mount", "-o", "remount,ro,noatime", m.MountPoint);
            Assert.True(r.ExitCode == 0, $"mount -o remount,ro,noatime: {r}");
            var options = MountTable.At(m.MountPoint)!.Options.Split(',');
            Assert.Contains("ro", options);
            Assert.Contains("noatime", options);
            Assert.Equal("before\n", File.ReadAllText(m.M("f.txt")));
            var e = Assert.ThrowsAny<IOException>(() => File.WriteAllText(m.M("f.txt"), "x"));
            Assert.Contains("Read-only", e.Message);

            r = WithTierfs("mount", "-o", "remount,rw", m.MountPoint);
            Assert.True(r.ExitCode == 0, $"mount -o remount,rw: {r}");
            File.WriteAllText(m.M("f.txt"), "after\n");
            Assert.Equal("after\n", File.ReadAllText(m.B("f.txt")));

            // What a live mount cannot take fails clearly and leaves the mount as it was.
            r = WithTierfs("mount", "-o", "remount,no_such_option", m.MountPoint);
            Assert.True(r.ExitCode != 0, $"remount with an unknown option succeeded: {r}");
            Assert.Contains("'no_such_option'", r.Stderr);
            Assert.True(m.IsMounted);

            // The same daemon served throughout.
            Assert.Equal(pid, DaemonPid(m));
            AssertUmountEndsDaemon(m, pid);
        }
        finally
        {
            UmountQuietly(m);
        }
    }

    [Fact]
    public void A_remount_keeps_nosuid_and_nodev_and_changes_only_what_it_names()
    {
        using var m = TestMount.Create();
        try
        {
            // Mounted by `mount -t`: libfuse mounts with nosuid,nodev unless told otherwise.
            var r = WithTierfs("mount", "-t", "fuse.tierfs", m.Backing, m.MountPoint, "-o", $"state_dir={m.StateDir}");
            Assert.True(r.ExitCode == 0, $"mount: {r}\nlog: {m.Log}");
            AssertFlags(m, ["rw", "nosuid", "nodev"]);
            r = WithTierfs("mount", "-o", "remount,ro", m.MountPoint);
            Assert.True(r.ExitCode == 0, $"mount -o remount,ro: {r}");
            AssertFlags(m, ["ro", "nosuid", "nodev"]);
            r = WithTierfs("mount", "-o", "remount,rw,noexec", m.MountPoint);
            Assert.True(r.ExitCode == 0, $"mount -o remount,rw,noexec: {r}");
            AssertFlags(m, ["rw", "nosuid", "nodev", "noexec"]);
            // What is asked for explicitly still changes.
            r = WithTierfs("mount", "-o", "remount,exec,suid", m.MountPoint);
            Assert.True(r.ExitCode == 0, $"mount -o remount,exec,suid: {r}");
            AssertFlags(m, ["rw", "nodev"], absent: ["nosuid", "noexec"]);
            AssertUmountEndsDaemon(m, DaemonPid(m));
        }
        finally
        {
            UmountQuietly(m);
        }
    }

    [Fact]
    public void A_remount_of_an_fstab_line_keeps_nosuid_and_nodev()
    {
        // mount(8) reads /etc/fstab, also in the helper's own inner mount: in a mount namespace of
        // its own, the test's fstab is bound over /etc/fstab (the machine's is never touched).
        using var m = TestMount.Create();
        var fstab = Path.Combine(m.Root, "fstab");
        File.WriteAllText(fstab, $"{FstabEscape(m.Backing)} {FstabEscape(m.MountPoint)} fuse.tierfs defaults,_netdev,state_dir={FstabEscape(m.StateDir)} 0 0\n");
        const string script = """
            trap 'umount -l "$2" 2>/dev/null' EXIT
            mount --bind "$1" /etc/fstab || exit 90
            mount "$2" || exit 91
            grep -F " $2 " /proc/self/mountinfo | cut -d' ' -f6
            mount -o remount,ro "$2" || exit 92
            grep -F " $2 " /proc/self/mountinfo | cut -d' ' -f6
            umount "$2" || exit 93
            """;
        var r = WithTierfs("unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", fstab, m.MountPoint);
        Assert.True(r.ExitCode == 0, $"{r}\nlog: {m.Log}");
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Subset(lines[0].Split(',').ToHashSet(), new HashSet<string> { "rw", "nosuid", "nodev" });
        Assert.Subset(lines[1].Split(',').ToHashSet(), new HashSet<string> { "ro", "nosuid", "nodev" });
    }

    // The mount's own flags (mountinfo's per-mount options), as the kernel applies them.
    private static void AssertFlags(TestMount m, string[] present, string[]? absent = null)
    {
        var line = File.ReadAllLines("/proc/self/mountinfo").Last(l => l.Split(' ')[4] == m.MountPoint);
        var flags = line.Split(' ')[5].Split(',');
        foreach (var f in present) Assert.True(flags.Contains(f), $"{f} missing from the mount's flags: {line}");
        foreach (var f in absent ?? []) Assert.False(flags.Contains(f), $"{f} still among the mount's flags: {line}");
    }

    [Fact]
    public void Helper_fake_mode_prints_the_command_and_mounts_nothing()
    {
        using var m = TestMount.Create();
        var r = Proc.Run("env", [$"TIERFS_BIN={Proc.Tierfs}", "bash", fixture.RepoHelper, m.Backing, m.MountPoint, "-n", "-s", "-f", "-v", "-o", "rw,attr_timeout=2"]);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"{Proc.Tierfs} mount {m.Backing} {m.MountPoint} -o rw,attr_timeout=2", r.Stdout);
        Assert.False(m.IsMounted);
    }

    [Fact]
    public void Helper_without_tierfs_says_how_to_install_it()
    {
        using var m = TestMount.Create();
        var missing = Path.Combine(m.Root, "no-such-tierfs");
        var r = Proc.Run("env", [$"TIERFS_BIN={missing}", "bash", fixture.RepoHelper, m.Backing, m.MountPoint, "-o", "rw"]);

        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"{missing} is not installed", r.Stderr);
        Assert.Contains("install.sh", r.Stderr);
        Assert.False(m.IsMounted);
    }
}
