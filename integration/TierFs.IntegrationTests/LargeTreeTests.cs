using TierFs.IntegrationTests.Harness;

namespace TierFs.IntegrationTests;

/// <summary>
/// The overlay keeps one descriptor per inode the kernel knows (and one per open file). What
/// happens when a tree outgrows the daemon's descriptor limit.
/// </summary>
public class LargeTreeTests
{
    private static long SoftNoFile(int pid) => NoFile(pid).Soft;

    private static (long Soft, long Hard) NoFile(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/limits"))
            if (line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                var f = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return (f[0] == "unlimited" ? long.MaxValue : long.Parse(f[0]), f[1] == "unlimited" ? long.MaxValue : long.Parse(f[1]));
            }
        throw new InvalidOperationException("no open-files limit");
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void A_daemon_out_of_descriptors_reports_errors_and_never_drops_entries_from_a_listing()
    {
        const int Count = 1000;
        using var m = TestMount.Create();
        Directory.CreateDirectory(m.B("many"));
        for (var i = 0; i < Count; i++) File.WriteAllBytes(m.B($"many/{i:D4}"), []);
        m.Mount();
        var pid = DaemonProcess.PidOf(m);
        var hard = NoFile(pid).Hard;
        // Lower the daemon's soft limit well below the number of entries.
        Assert.Equal(0, Proc.Run("prlimit", $"--pid={pid}", "--nofile=400:").ExitCode);
        try
        {
            // Names alone: every entry, whether or not the daemon could look it up.
            var names = Proc.Run("ls", "-1", "--color=never", m.M("many"));
            Assert.True(names.ExitCode == 0, names.ToString());
            Assert.Equal(Count, Lines(names.Stdout).Length);
            // With attributes: complete, or a failure the caller sees; never a short listing that claims success.
            var ls = Proc.Run("ls", "-l", "--color=never", m.M("many"));
            if (ls.ExitCode == 0) Assert.Equal(Count + 1, Lines(ls.Stdout).Length);
            else Assert.Contains("Too many open files", ls.Stderr);
        }
        finally
        {
            Proc.Run("prlimit", $"--pid={pid}", $"--nofile={(hard == long.MaxValue ? "unlimited" : hard.ToString())}:");
        }
        // With its limit back, the same mount serves everything again.
        var again = Proc.Run("ls", "-l", "--color=never", m.M("many"));
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Equal(Count + 1, Lines(again.Stdout).Length);
        Assert.Equal(0, m.Unmount().ExitCode);
    }

    [Fact(Skip = "Known limitation, not fixed here: the overlay holds one O_PATH descriptor per inode the kernel " +
                 "remembers, so `ls -l`/`find` over more entries than the daemon's RLIMIT_NOFILE fails with EMFILE until " +
                 "the kernel forgets inodes. The daemon now raises its limit to fs.nr_open when it may (CAP_SYS_RESOURCE); " +
                 "the real fix is file handles (name_to_handle_at) with a bounded cache of open descriptors.")]
    public void More_entries_than_the_daemon_can_hold_descriptors_for()
    {
        using var m = TestMount.Create();
        Directory.CreateDirectory(m.B("many"));
        // Comfortably more than this process's limit, which the daemon inherits.
        var count = (int)Math.Clamp(SoftNoFile(Environment.ProcessId) + 5000, 25_000, 60_000);
        for (var i = 0; i < count; i++) File.WriteAllBytes(m.B($"many/{i:D6}"), []);
        m.Mount();
        var ls = Proc.Run("ls", ["-l", "--color=never", m.M("many")], timeout: TimeSpan.FromSeconds(120));
        Assert.True(ls.ExitCode == 0, $"ls -l failed: {ls.Stderr[..Math.Min(500, ls.Stderr.Length)]}");
        Assert.Equal(count + 1, Lines(ls.Stdout).Length);
        File.WriteAllText(m.M("many/after"), "after");
        Assert.Equal("after", File.ReadAllText(m.M("many/after")));
        Assert.Equal(0, m.Unmount().ExitCode);
    }
}
