using System.Text;
using TierFs.IntegrationTests.Harness;

namespace TierFs.IntegrationTests;

/// <summary>
/// Mount modes and the daemon's life: in place, mount → umount → remount, a client killed with
/// files open (no descriptor leaks, umount still works), and SIGTERM to the daemon with files
/// open (it exits in bounded time, nothing stays mounted, the client's descriptors fail).
/// </summary>
public class MountModeTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    [Fact]
    public void In_place_mount_serves_the_existing_tree_and_leaves_the_changes_in_it()
    {
        using var m = TestMount.Create(inPlace: true);
        File.WriteAllText(m.B("before.txt"), "written before mounting\n");
        Directory.CreateDirectory(m.B("sub"));
        File.WriteAllText(m.B("sub/nested"), "nested");
        Assert.Equal(0, Px.Symlink("sub/nested", m.B("link")));
        Assert.Equal(0, Px.Chmod(m.B("before.txt"), 0x180));
        Assert.Equal(0, Px.Lchown(m.B("sub/nested"), 1000, 1001));
        File.WriteAllText(m.B("doomed"), "to be removed");
        var before = new[] { "before.txt", "sub", "sub/nested", "link" }.ToDictionary(n => n, n => Px.Stat(m.B(n)));
        // A descriptor of the directory itself, opened before mounting, reaches under the mount.
        var under = Px.Open(m.Backing, Px.O_RDONLY | Px.O_DIRECTORY);
        try
        {
            m.Mount();
            Assert.True(m.IsMounted);
            Assert.Equal(m.Backing, m.MountPoint);

            // A symlink's atime may move once: the mount's first scan reads its target (as ls -l
            // would), and relatime then updates it. Everything else is exactly as before.
            foreach (var (n, st) in before)
                Assert.Equal(st.IsLink ? (st with { Atime = default }).Full : st.Full,
                    st.IsLink ? (Px.Stat(m.M(n)) with { Atime = default }).Full : Px.Stat(m.M(n)).Full);
            Assert.Equal("written before mounting\n", File.ReadAllText(m.M("before.txt")));
            Assert.Equal("nested", File.ReadAllText(m.M("link")));

            File.AppendAllText(m.M("before.txt"), "and after\n");
            File.WriteAllText(m.M("new.txt"), "made through the mount");
            Directory.CreateDirectory(m.M("sub/newdir"));
            File.Move(m.M("sub/nested"), m.M("sub/newdir/moved"));
            File.Delete(m.M("doomed"));

            // The writes land in the very directory under the mount.
            var underPath = $"/proc/self/fd/{under}";
            // Compared before the reads below, which read the file behind the mount (moving its atime,
            // which an in-place mount's 60 s attribute cache need not show).
            Assert.Equal(Px.Stat(Path.Combine(underPath, "new.txt")).Full, Px.Stat(m.M("new.txt")).Full);
            Assert.Equal("made through the mount", File.ReadAllText(Path.Combine(underPath, "new.txt")));
            Assert.Equal("written before mounting\nand after\n", File.ReadAllText(Path.Combine(underPath, "before.txt")));
            Assert.True(File.Exists(Path.Combine(underPath, "sub/newdir/moved")));
            Assert.False(File.Exists(Path.Combine(underPath, "doomed")));

            var r = m.Unmount();
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.False(m.IsMounted);
        }
        finally
        {
            Px.Close(under);
        }
        // After umount: the plain directory holds it all, the same inodes as before.
        Assert.Equal("written before mounting\nand after\n", File.ReadAllText(m.B("before.txt")));
        Assert.Equal("made through the mount", File.ReadAllText(m.B("new.txt")));
        Assert.Equal("nested", File.ReadAllText(m.B("sub/newdir/moved")));
        Assert.False(File.Exists(m.B("doomed")));
        var after = Px.Stat(m.B("before.txt"));
        Assert.Equal(before["before.txt"].Ino, after.Ino);
        Assert.Equal(0x180u, after.Perm);
        var moved = Px.Stat(m.B("sub/newdir/moved"));
        Assert.Equal((1000u, 1001u), (moved.Uid, moved.Gid));
        Assert.Equal(before["sub/nested"].Ino, moved.Ino);
    }

    [Fact]
    public void Mount_umount_and_remount()
    {
        using var m = TestMount.Start();
        File.WriteAllText(m.M("one"), "first mount");
        Directory.CreateDirectory(m.M("d"));
        var pid1 = DaemonProcess.PidOf(m);
        var r = m.Unmount();
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.False(m.IsMounted);
        Assert.False(DaemonProcess.IsAlive(pid1), "the first daemon still runs after umount");
        Assert.Equal("first mount", File.ReadAllText(m.B("one")));
        Assert.Empty(Directory.GetFileSystemEntries(m.MountPoint)); // the bare mountpoint again

        File.WriteAllText(m.B("two"), "written while unmounted");
        m.Mount();
        var pid2 = DaemonProcess.PidOf(m);
        Assert.NotEqual(pid1, pid2);
        Assert.Equal("first mount", File.ReadAllText(m.M("one")));
        Assert.Equal("written while unmounted", File.ReadAllText(m.M("two")));
        File.WriteAllText(m.M("d/three"), "second mount");
        Assert.Equal(new[] { "d", "one", "two" }, Directory.GetFileSystemEntries(m.MountPoint).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal).ToArray());
        r = m.Unmount();
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.False(DaemonProcess.IsAlive(pid2));
        Assert.Equal("second mount", File.ReadAllText(m.B("d/three")));

        // A third time, in quick succession, with a umount right after the mount.
        m.Mount();
        Assert.Equal("second mount", File.ReadAllText(m.M("d/three")));
        Assert.Equal(0, m.Unmount().ExitCode);
        Assert.False(m.IsMounted);
        Assert.Contains("unmounted", m.Log);
    }

    [Fact]
    public void A_client_killed_with_files_open_leaks_nothing_and_umount_succeeds()
    {
        using var m = TestMount.Start();
        Directory.CreateDirectory(m.M("held"));
        for (var i = 0; i < 4; i++) File.WriteAllText(m.M($"held/f{i}"), $"file {i}");
        var pid = DaemonProcess.PidOf(m);
        const string Hold = """
            exec 3<"$1/held/f0" 4>>"$1/held/f1" 5<>"$1/held/f2" 6<"$1/held"
            exec 7<"$1/held/f3"
            """;

        // Once through to the end, so that every name is known to the daemon: the baseline.
        using (var warm = new Client(Hold, "exit 0", m.MountPoint))
            Assert.NotNull(warm.Continue(Bound));
        // Releases reach the daemon after close() returns: wait for them.
        Assert.True(Proc.WaitUntil(() => DaemonProcess.OpenHandles(pid, m.Backing) == 0, Bound));
        var before = DaemonProcess.Comparable(pid, withOPath: true);

        using var client = new Client(Hold, "sleep 600", m.MountPoint);
        // Five handles (four files, one directory stream) are open in the daemon now.
        Assert.True(Proc.WaitUntil(() => DaemonProcess.OpenHandles(pid, m.Backing) == 5, Bound),
            $"daemon has {DaemonProcess.OpenHandles(pid, m.Backing)} handles open, expected 5 while the client holds its files");
        Assert.NotEqual(0, Proc.Run("umount", m.MountPoint).ExitCode); // busy while the client lives
        var busy = m.Unmount();
        Assert.True(busy.ExitCode != 0 && busy.Stderr.Contains("busy", StringComparison.Ordinal), busy.ToString());
        Assert.True(m.IsMounted);

        Assert.Equal(0, Px.Kill(client.Pid, Px.SIGKILL));
        Assert.True(client.WaitForExit(Bound));
        Assert.True(Proc.WaitUntil(() => DaemonProcess.OpenHandles(pid, m.Backing) == 0, Bound),
            $"daemon still has {DaemonProcess.OpenHandles(pid, m.Backing)} handles open after the client died");
        // No other descriptor was added either (inode descriptors may only have been forgotten).
        // Awaited, not sampled once: under the full suite's load a descriptor of the state directory
        // (the index's, held for a moment) showed as one over the baseline.
        List<string> added = [];
        Assert.True(Proc.WaitUntil(() => (added = DaemonProcess.Added(before, DaemonProcess.Comparable(pid, withOPath: true))).Count == 0, Bound),
            $"the daemon has descriptors it did not have before: {string.Join("; ", added)}");

        var r = m.Unmount();
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.False(m.IsMounted);
        Assert.False(DaemonProcess.IsAlive(pid), "the daemon still runs after umount");
        Assert.Equal("file 0", File.ReadAllText(m.B("held/f0")));
    }

    [Fact]
    public void Sigterm_with_files_open_ends_the_daemon_and_the_open_files_fail()
    {
        using var m = TestMount.Start();
        File.WriteAllText(m.M("r"), "readable");
        File.WriteAllText(m.M("w"), "writable");
        Directory.CreateDirectory(m.M("dir"));
        var pid = DaemonProcess.PidOf(m);
        using var client = new Client(
            """exec 3<"$1/r" 4>>"$1/w" 5<"$1/dir"; cd "$1/dir" """,
            """
            cat <&3; echo "read=$?"
            echo more >&4; echo "write=$?"
            ls . > /dev/null; echo "cwd=$?"
            """,
            m.MountPoint);

        Assert.Equal(0, Px.Kill(pid, Px.SIGTERM));
        Assert.True(Proc.WaitUntil(() => !DaemonProcess.IsAlive(pid), Bound), $"the daemon did not exit within {Bound.TotalSeconds}s of SIGTERM\n{m.Log}");
        Assert.False(m.IsMounted, "still mounted after the daemon exited");
        Assert.Empty(DaemonProcess.MountsUnder(m.Root));
        Assert.Contains("SIGTERM", m.Log);

        var r = client.Continue(Bound);
        Assert.True(r is not null, "the client hung on its open files after the daemon ended");
        Assert.Contains("read=1", r.Stdout);
        Assert.Contains("write=1", r.Stdout);
        Assert.Contains("cwd=2", r.Stdout);
        Assert.DoesNotContain("readable", r.Stdout);
        // The files themselves are untouched, in the backing dir.
        Assert.Equal("writable", File.ReadAllText(m.B("w")));
        // And the mountpoint can be mounted again at once.
        m.Mount();
        Assert.Equal("readable", File.ReadAllText(m.M("r")));
    }

    [Theory]
    [InlineData("sigterm")]
    [InlineData("umount --lazy")]
    public void The_daemon_ends_even_while_a_process_waits_for_a_lock(string how)
    {
        using var m = TestMount.Start();
        File.WriteAllText(m.M("lock"), "");
        var pid = DaemonProcess.PidOf(m);
        // One process holds the lock through the mount, a second waits for it (blocking flock).
        using var holder = new Client("""exec 3<"$1/lock"; flock -x 3""", "true", m.MountPoint);
        using var waiter = new Client("""exec 3<"$1/lock" """, """flock -x 3; echo "flock=$?" """, m.MountPoint);
        waiter.Go();
        Assert.True(Proc.WaitUntil(waiter.ChildWaitsForLock, Bound), "the second flock did not get to wait for the lock");

        if (how == "sigterm") Assert.Equal(0, Px.Kill(pid, Px.SIGTERM));
        else Assert.Equal(0, m.Unmount(lazy: true).ExitCode);

        Assert.True(Proc.WaitUntil(() => !DaemonProcess.IsAlive(pid), Bound),
            $"the daemon did not exit within {Bound.TotalSeconds}s ({how}) while a process waited for a lock\n{m.Log}");
        Assert.False(m.IsMounted);
        Assert.Empty(DaemonProcess.MountsUnder(m.Root));
        // The lock is the kernel's, on the files the two still hold open: the holder lets go, the waiter
        // gets it and goes on.
        Assert.NotNull(holder.Continue(Bound));
        var r = waiter.Continue(Bound);
        Assert.True(r is not null, "the waiting process hung after the daemon ended and the holder let go");
        Assert.Contains("flock=0", r.Stdout);
    }

    [Fact]
    public void A_process_killed_while_waiting_for_a_lock_leaves_no_lock_and_no_descriptor_behind()
    {
        using var m = TestMount.Start();
        File.WriteAllText(m.M("lock"), "");
        var pid = DaemonProcess.PidOf(m);
        using (var warm = new Client("""exec 3<"$1/lock" """, "true", m.MountPoint))
            Assert.NotNull(warm.Continue(Bound));
        Assert.True(Proc.WaitUntil(() => DaemonProcess.OpenHandles(pid, m.Backing) == 0, Bound));
        var before = DaemonProcess.Comparable(pid, withOPath: false);

        using var holder = new Client("""exec 3<"$1/lock"; flock -x 3""", "true", m.MountPoint);
        using var waiter = new Client("""exec 3<"$1/lock" """, """flock -x 3; echo "flock=$?" """, m.MountPoint);
        waiter.Go();
        Assert.True(Proc.WaitUntil(waiter.ChildWaitsForLock, Bound), "the second flock did not get to wait for the lock");
        foreach (var child in File.ReadAllText($"/proc/{waiter.Pid}/task/{waiter.Pid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries))
            Px.Kill(int.Parse(child), Px.SIGKILL);
        Assert.Equal(0, Px.Kill(waiter.Pid, Px.SIGKILL));
        Assert.True(waiter.WaitForExit(Bound));

        // The holder lets go: nobody holds the lock now, not even on behalf of the dead waiter.
        Assert.NotNull(holder.Continue(Bound));
        var third = Proc.Run("flock", "--nonblock", "--conflict-exit-code", "42", m.M("lock"), "true");
        Assert.True(third.ExitCode == 0, $"the lock stayed held after its holder and the killed waiter were gone (exit {third.ExitCode})");
        Assert.True(Proc.WaitUntil(() => DaemonProcess.OpenHandles(pid, m.Backing) == 0, Bound),
            $"daemon still has {DaemonProcess.OpenHandles(pid, m.Backing)} handles open");
        // Awaited, not sampled once: under the full suite's load a descriptor of the state directory
        // (the index's, held for a moment) showed as one over the baseline. O_PATH descriptors are not
        // counted: one per inode the kernel remembers, they come and go with its lookups and forgets.
        List<string> added = [];
        Assert.True(Proc.WaitUntil(() => (added = DaemonProcess.Added(before, DaemonProcess.Comparable(pid, withOPath: false))).Count == 0, Bound),
            $"the daemon has descriptors it did not have before: {string.Join("; ", added)}");
        Assert.Equal(0, m.Unmount().ExitCode);
    }

    /// <summary>Kills the daemon with SIGKILL and waits until the mount it leaves answers only ENOTCONN.</summary>
    private static void KillDaemon(TestMount m)
    {
        var pid = DaemonProcess.PidOf(m);
        Assert.Equal(0, Px.Kill(pid, Px.SIGKILL));
        Assert.True(Proc.WaitUntil(() => !DaemonProcess.IsAlive(pid), Bound));
        // The kernel mount stays and fails every call (once cached attributes run out).
        Assert.True(m.IsMounted);
        var errno = 0;
        Assert.True(Proc.WaitUntil(() => (errno = Px.TryStat(m.M("f"), out _)) != 0, Bound), "the dead mount still answers");
        Assert.True(errno is Px.ENOTCONN or Px.ECONNABORTED, $"a dead mount answered {Px.Name(errno)}");
    }

    private static bool HasRecord(TestMount m) =>
        Directory.GetFiles("/run/tierfs", "*.json").Any(f => File.ReadAllText(f).Contains($"\"{m.MountPoint}\"", StringComparison.Ordinal));

    [Fact]
    public void Mounting_again_after_sigkill_clears_the_dead_mount_and_serves()
    {
        using var m = TestMount.Start();
        File.WriteAllText(m.M("f"), "survives");
        KillDaemon(m);

        // What a restart (by hand or by systemd) does: it must just work, and say what it did.
        var again = Proc.Run(Proc.Tierfs, ["mount", m.Backing, m.MountPoint, "--state-dir", m.StateDir]);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("clearing the stale TierFs mount", again.Stderr);
        Assert.Single(DaemonProcess.MountsUnder(m.Root));
        Assert.Equal("survives", File.ReadAllText(m.M("f")));
    }

    [Fact]
    public void Umount_clears_a_dead_mount_and_its_record()
    {
        using var m = TestMount.Start();
        File.WriteAllText(m.M("f"), "survives");
        KillDaemon(m);

        var r = m.Unmount();
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.False(m.IsMounted);
        Assert.Empty(DaemonProcess.MountsUnder(m.Root));
        Assert.False(HasRecord(m), "the dead daemon's runtime record was left behind");
        Assert.Equal("survives", File.ReadAllText(m.B("f")));
    }

    [Fact]
    public void Sigterm_when_idle_unmounts_cleanly()
    {
        using var m = TestMount.Start();
        File.WriteAllText(m.M("f"), "x");
        var pid = DaemonProcess.PidOf(m);
        Assert.Equal(0, Px.Kill(pid, Px.SIGTERM));
        Assert.True(Proc.WaitUntil(() => !DaemonProcess.IsAlive(pid), Bound));
        Assert.False(m.IsMounted);
        Assert.Equal("x", File.ReadAllText(m.B("f")));
        Assert.False(HasRecord(m), "the runtime record outlived the daemon");
    }

    [Fact]
    public void The_daemon_starts_with_its_runtime_settings_and_the_administrators_own_win()
    {
        // Unset: tierfs mount gives its daemon a 16 MiB young generation and no delay before hot
        // code is optimised. Set by the administrator: that value.
        Assert.Equal(("1000000", "0"), DaemonSettings(["-u", "DOTNET_GCgen0size", "-u", "DOTNET_TC_CallCountingDelayMs"]));
        Assert.Equal(("1000000", "100"), DaemonSettings(["-u", "DOTNET_GCgen0size", "DOTNET_TC_CallCountingDelayMs=100"]));
    }

    // Mounts through env(1) with ENV, and reads the two runtime settings from the daemon's environment.
    private static (string? Gen0Size, string? CallCountingDelay) DaemonSettings(string[] env)
    {
        using var m = TestMount.Create();
        var r = Proc.Run("env", [.. env, Proc.Tierfs, "mount", m.Backing, m.MountPoint, "--state-dir", m.StateDir]);
        Assert.True(r.ExitCode == 0 && m.IsMounted, $"tierfs mount failed: {r}");
        var vars = File.ReadAllText($"/proc/{DaemonProcess.PidOf(m)}/environ").Split('\0')
            .Select(v => v.Split('=', 2)).Where(kv => kv.Length == 2).ToDictionary(kv => kv[0], kv => kv[1]);
        return (vars.GetValueOrDefault("DOTNET_GCgen0size"), vars.GetValueOrDefault("DOTNET_TC_CallCountingDelayMs"));
    }
}

/// <summary>`tierfs mount` with bad input: a non-zero exit, one clear line on stderr, nothing mounted, no daemon left.</summary>
public class MountInputTests
{
    private static void AssertRefused(TestMount m, RunResult r, string mustMention, int expectedMounts = 0)
    {
        Assert.True(r.ExitCode != 0, $"tierfs mount accepted bad input: {r}");
        var err = r.Stderr.Trim();
        Assert.True(err.Length > 0, $"nothing on stderr: {r}");
        Assert.False(err.Contains('\n'), $"more than one line on stderr: {r}");
        Assert.Contains(mustMention, err);
        Assert.Equal(expectedMounts, DaemonProcess.MountsUnder(m.Root).Count);
        Assert.True(Proc.WaitUntil(() => DaemonProcess.ProcessesMentioning(m.Root).Count == expectedMounts, TimeSpan.FromSeconds(5)),
            $"tierfs processes left behind: {string.Join(',', DaemonProcess.ProcessesMentioning(m.Root))}");
    }

    private static RunResult Mount(TestMount m, params string[] args) =>
        Proc.Run(Proc.Tierfs, ["mount", .. args, "--state-dir", m.StateDir]);

    [Fact]
    public void Missing_backing()
    {
        using var m = TestMount.Create();
        var missing = Path.Combine(m.Root, "no-such-dir");
        AssertRefused(m, Mount(m, missing, m.MountPoint), missing);
    }

    [Fact]
    public void Backing_is_a_file()
    {
        using var m = TestMount.Create();
        var file = Path.Combine(m.Root, "a-file");
        File.WriteAllText(file, "x");
        AssertRefused(m, Mount(m, file, m.MountPoint), "not a directory");
    }

    [Fact]
    public void Missing_mountpoint()
    {
        using var m = TestMount.Create();
        var missing = Path.Combine(m.Root, "no-such-mnt");
        AssertRefused(m, Mount(m, m.Backing, missing), missing);
        Assert.False(Directory.Exists(missing), "tierfs mount created the missing mountpoint");
    }

    [Fact]
    public void Mountpoint_is_a_file()
    {
        using var m = TestMount.Create();
        var file = Path.Combine(m.Root, "a-file");
        File.WriteAllText(file, "x");
        AssertRefused(m, Mount(m, m.Backing, file), "not a directory");
    }

    [Fact]
    public void Mountpoint_argument_left_out()
    {
        using var m = TestMount.Create();
        AssertRefused(m, Mount(m, m.Backing), "MOUNTPOINT");
    }

    [Fact]
    public void Mountpoint_inside_backing()
    {
        using var m = TestMount.Create();
        var inside = m.B("sub/mnt");
        Directory.CreateDirectory(inside);
        AssertRefused(m, Mount(m, m.Backing, inside), "inside");
    }

    [Fact]
    public void Already_mounted()
    {
        using var m = TestMount.Start();
        File.WriteAllText(m.M("f"), "still served");
        var pid = DaemonProcess.PidOf(m);
        AssertRefused(m, Mount(m, m.Backing, m.MountPoint), "already", expectedMounts: 1);
        // The same mountpoint with another backing dir is refused too.
        var other = Path.Combine(m.Root, "other");
        Directory.CreateDirectory(other);
        AssertRefused(m, Mount(m, other, m.MountPoint), "already", expectedMounts: 1);
        Assert.Equal(pid, DaemonProcess.PidOf(m));
        Assert.Equal("still served", File.ReadAllText(m.M("f")));
    }

    [Fact]
    public void Unknown_option()
    {
        using var m = TestMount.Create();
        AssertRefused(m, Mount(m, m.Backing, m.MountPoint, "-o", "frobnicate"), "frobnicate");
    }
}
