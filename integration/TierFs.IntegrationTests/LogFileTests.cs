using System.Diagnostics;
using System.Text.RegularExpressions;
using TierFs.IntegrationTests.Harness;
using TierFs.IntegrationTests.Tiering;

namespace TierFs.IntegrationTests;

/// <summary>
/// The mount daemon's log on a real mount: who triggered a recall, reopening on SIGHUP (also
/// through the logrotate file's postrotate script), rotation by size, and the journal's format.
/// </summary>
public class LogFileTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static string Mode(string path) => Convert.ToString((int)File.GetUnixFileMode(path), 8);

    [Fact]
    public void A_recall_on_open_names_the_opener_pid_uid_and_command()
    {
        using var m = TestMount.Start();
        File.SetUnixFileMode(m.Root, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(m.MountPoint, (UnixFileMode)0b111_101_101);
        File.WriteAllBytes(m.M("users.bin"), TierHarness.Content(50_000, 1));
        File.SetUnixFileMode(m.M("users.bin"), (UnixFileMode)0b110_100_100);
        File.WriteAllBytes(m.M("roots.bin"), TierHarness.Content(50_000, 2));
        TierHarness.Migrate(m.M("users.bin"));
        TierHarness.Migrate(m.M("roots.bin"));

        var r = Proc.RunAsNobody(["cat", m.M("users.bin")]);
        Assert.True(r.ExitCode == 0, r.ToString());
        r = Proc.Run("head", "-c", "1", m.M("roots.bin"));
        Assert.True(r.ExitCode == 0, r.ToString());

        Assert.Matches(@"INFO  tier: recalled \S+ \(open by pid=\d+ uid=65534 comm=cat\): 50000 bytes", m.Log);
        Assert.Matches(@"INFO  tier: recalled \S+ \(open by pid=\d+ uid=0 comm=head\): 50000 bytes", m.Log);
    }

    [Fact]
    public void A_detached_daemon_writes_to_no_pipe_that_nobody_reads()
    {
        // A descriptor the mount command inherits (a CI runner's pipe, a shell's redirection) must
        // not live on in the daemon: here the write end of a pipe whose reader is gone.
        var (read, write) = Px.InheritablePipe();
        Px.Close(read);
        TestMount m;
        try { m = TestMount.Start(); }
        finally { Px.Close(write); }
        using var _ = m;
        var pid = DaemonProcess.PidOf(m);
        // A log line after the mount command has gone: the daemon writes it to stderr as well.
        Proc.Check("kill", "-HUP", pid.ToString());
        Assert.True(Proc.WaitUntil(() => m.Log.Contains("SIGHUP: log reopened"), Patience), m.LogTail());

        // Pipes the daemon holds only write ends of, whose read end no process holds: the mount
        // command's stdout and stderr (it exited once the daemon was ready). Every write there fails
        // with EPIPE. A pipe being closed (a FUSE worker's splice pipe, its read end first) looks the
        // same for a moment: awaited until none is left; the mount command's never go.
        var dead = new List<string>();
        Assert.True(Proc.WaitUntil(() => (dead = DeadPipes(pid)).Count == 0, TimeSpan.FromSeconds(10)),
            $"the daemon holds the write end of pipes nobody reads: {string.Join(", ", dead)}");
    }

    private static List<string> DeadPipes(int pid)
    {
        var dead = new List<string>();
        foreach (var (fd, pipe) in Pipes(pid))
        {
            if (Access(pid, fd) != 1) continue;
            var readers = Directory.GetDirectories("/proc").Select(d => Path.GetFileName(d)).Where(d => d.All(char.IsAsciiDigit)).Select(int.Parse)
                .SelectMany(p => Pipes(p).Where(x => x.Pipe == pipe && Access(p, x.Fd) != 1));
            if (!readers.Any()) dead.Add($"fd {fd} ({pipe})");
        }
        return dead;
    }

    private static IEnumerable<(int Fd, string Pipe)> Pipes(int pid)
    {
        string[] fds;
        try { fds = Directory.GetFileSystemEntries($"/proc/{pid}/fd"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { yield break; }
        foreach (var path in fds)
        {
            string? target;
            try { target = new FileInfo(path).LinkTarget; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            if (target?.StartsWith("pipe:[", StringComparison.Ordinal) == true) yield return (int.Parse(Path.GetFileName(path)), target);
        }
    }

    /// <summary>The access mode of a descriptor (O_RDONLY 0, O_WRONLY 1, O_RDWR 2) from its fdinfo; -1 when gone.</summary>
    private static int Access(int pid, int fd)
    {
        try
        {
            var flags = File.ReadLines($"/proc/{pid}/fdinfo/{fd}").First(l => l.StartsWith("flags:", StringComparison.Ordinal))[6..].Trim();
            return (int)(Convert.ToInt64(flags, 8) & 3);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException) { return -1; }
    }

    [Fact]
    public void SIGHUP_reopens_the_log_so_the_next_line_lands_in_a_new_0600_file()
    {
        using var m = TestMount.Start();
        var pid = DaemonProcess.PidOf(m);
        File.Move(m.LogFile, m.LogFile + ".old");
        Proc.Check("kill", "-HUP", pid.ToString());

        Assert.True(Proc.WaitUntil(() => File.Exists(m.LogFile) && File.ReadAllText(m.LogFile).Contains("SIGHUP: log reopened"), Patience),
            $"no new log after SIGHUP; the old one: {File.ReadAllText(m.LogFile + ".old")}");
        Assert.Equal("600", Mode(m.LogFile));
        Assert.DoesNotContain("SIGHUP", File.ReadAllText(m.LogFile + ".old"));
        Assert.True(DaemonProcess.IsAlive(pid), "the daemon died of SIGHUP");
        Assert.True(m.IsMounted);
    }

    [Fact]
    public void The_logrotate_postrotate_script_makes_every_daemon_reopen_its_log()
    {
        using var m = TestMount.Start();
        var conf = File.ReadAllText(MountHelperFixture.FindRepoFile("mount-scripts/tierfs.logrotate"));
        var script = Regex.Match(conf, @"postrotate\n(.*?)\n\s*endscript", RegexOptions.Singleline).Groups[1].Value;
        Assert.Contains("kill -HUP", script);
        // Only this test's daemon: a run directory holding its record alone.
        var run = Path.Combine(m.Root, "run");
        Directory.CreateDirectory(run);
        File.Copy(TierFs.Host.RuntimeFiles.RecordPath(m.MountPoint), Path.Combine(run, "m.json"));

        File.Move(m.LogFile, m.LogFile + ".1");
        var r = Proc.Run("env", [$"TIERFS_RUN_DIR={run}", "sh", "-c", script]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.True(Proc.WaitUntil(() => File.Exists(m.LogFile) && File.ReadAllText(m.LogFile).Contains("SIGHUP: log reopened"), Patience),
            "the daemon did not reopen its log after the postrotate script");
    }

    [Fact]
    public void The_log_rotates_at_its_size_limit_keeping_at_most_the_files_asked_for()
    {
        using var m = TestMount.Start(false, "-o", "log_max_size=2K,log_files=2,log_level=debug");
        // Each tier command leaves a few lines (the request, the migration, the release).
        for (var i = 0; i < 60 && !File.Exists(m.LogFile + ".2"); i++)
        {
            File.WriteAllText(m.M($"f{i}"), "data");
            TierHarness.Migrate(m.M($"f{i}"));
        }
        Assert.True(File.Exists(m.LogFile + ".2"), $"no second rotated file: {string.Join(", ", Directory.GetFiles(m.StateDir))}");
        Assert.False(File.Exists(m.LogFile + ".3"));
        foreach (var f in new[] { m.LogFile, m.LogFile + ".1", m.LogFile + ".2" })
        {
            Assert.Equal("600", Mode(f));
            Assert.InRange(new FileInfo(f).Length, 0, 2048 + 1024);
        }
        Assert.Contains("DEBUG", File.ReadAllText(m.LogFile + ".1") + File.ReadAllText(m.LogFile + ".2"));
    }

    // As systemd starts a service: stderr a socket whose device and inode JOURNAL_STREAM names.
    private const string AsJournal = """
        import os, socket, subprocess, sys
        mine, theirs = socket.socketpair()
        st = os.fstat(theirs.fileno())
        env = dict(os.environ, JOURNAL_STREAM=f"{st.st_dev}:{st.st_ino}")
        child = subprocess.Popen(sys.argv[1:], stderr=theirs.fileno(), stdout=subprocess.DEVNULL, env=env)
        theirs.close()
        with mine.makefile("rb") as lines:
            for line in lines:
                sys.stdout.buffer.write(line)
        sys.exit(child.wait())
        """;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Under_systemd_stderr_has_no_time_of_its_own_and_a_priority_prefix(bool journal)
    {
        using var m = TestMount.Create();
        string[] mount = [Proc.Tierfs, "mount", "--foreground", m.Backing, m.MountPoint, "--state-dir", m.StateDir];
        // Not the journal: JOURNAL_STREAM inherited from a service, stderr a pipe: the usual lines.
        var psi = journal ? new ProcessStartInfo("python3", ["-c", AsJournal, .. mount]) : new ProcessStartInfo(mount[0], mount[1..]);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        if (!journal) psi.Environment["JOURNAL_STREAM"] = "8:12345";
        using var daemon = Process.Start(psi)!;
        var output = (journal ? daemon.StandardOutput : daemon.StandardError).ReadToEndAsync();
        try
        {
            Assert.True(Proc.WaitUntil(() => m.IsMounted, Patience), "the foreground mount did not come up");
        }
        finally
        {
            m.Unmount();
            if (!daemon.WaitForExit(Patience)) daemon.Kill(entireProcessTree: true);
        }
        var lines = (await output.WaitAsync(Patience)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (journal)
        {
            Assert.Contains(lines, l => l.StartsWith($"<6>INFO mount: mounted {m.Backing} on {m.MountPoint}", StringComparison.Ordinal));
            Assert.All(lines, l => Assert.Matches(@"^<[3467]>(DEBUG|INFO|WARN|ERROR) \S+: ", l));
        }
        else
        {
            Assert.Contains(lines, l => l.Contains($"Z INFO  mount: mounted {m.Backing} on {m.MountPoint}", StringComparison.Ordinal));
        }
        // The file keeps its own format, with the time.
        Assert.Matches(@"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO  mount: mounted ", m.Log);
    }
}
