using TierFs.IntegrationTests.Harness;

namespace TierFs.IntegrationTests;

/// <summary>
/// Trees with more inodes than the daemon may hold descriptors for: the overlay keeps a bounded
/// cache of inode descriptors and reopens the rest by file handle.
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
            Assert.True(names.ExitCode == 0, $"{names}\ndaemon alive: {DaemonProcess.IsAlive(pid)}; its log:\n{m.LogTail()}");
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
        Assert.True(again.ExitCode == 0, $"{again.Stderr}\ndaemon alive: {DaemonProcess.IsAlive(pid)}; its log:\n{m.LogTail()}");
        Assert.Equal(Count + 1, Lines(again.Stdout).Length);
        Assert.Equal(0, m.Unmount().ExitCode);
    }

    [Fact]
    public void More_inodes_than_the_descriptor_cache_are_served_by_file_handle()
    {
        const int Count = 3000;
        const int Limit = 200;
        using var m = TestMount.Create();
        Directory.CreateDirectory(m.B("many"));
        for (var i = 0; i < Count; i++) File.WriteAllText(m.B($"many/{i:D5}"), $"content {i}");
        m.Mount("-o", $"max_inode_fds={Limit}");
        var pid = DaemonProcess.PidOf(m);
        var baseline = DaemonProcess.FdCount(pid); // the daemon's own: log, index, control socket, ...

        // The kernel remembers every inode; the daemon holds at most Limit descriptors for them.
        var ls = Proc.Run("ls", ["-l", "--color=never", m.M("many")], timeout: TimeSpan.FromSeconds(60));
        Assert.True(ls.ExitCode == 0, ls.Stderr);
        Assert.Equal(Count + 1, Lines(ls.Stdout).Length);
        Assert.True(DaemonProcess.FdCount(pid) - baseline <= Limit + 20, $"daemon holds {DaemonProcess.FdCount(pid)} descriptors, {baseline} at start");

        // Every file, evicted or not, still opens to its own content, and can be changed.
        for (var i = 0; i < Count; i += 7)
            Assert.Equal($"content {i}", File.ReadAllText(m.M($"many/{i:D5}")));
        File.AppendAllText(m.M("many/00000"), "+");
        Assert.Equal("content 0+", File.ReadAllText(m.B("many/00000")));
        File.Move(m.M("many/00001"), m.M("moved"));
        Assert.Equal("content 1", File.ReadAllText(m.M("moved")));
        Assert.True(DaemonProcess.FdCount(pid) - baseline <= Limit + 20, $"daemon holds {DaemonProcess.FdCount(pid)} descriptors, {baseline} at start");
        Assert.Equal(0, m.Unmount().ExitCode);
    }
}
