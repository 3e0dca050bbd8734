using TierFs.IntegrationTests.Harness;
using static TierFs.IntegrationTests.Tiering.TierHarness;

namespace TierFs.IntegrationTests.Tiering;

public class ManyFilesCommandTests
{
    [Fact]
    public void A_command_over_more_files_than_the_daemon_may_hold_descriptors_works_on_every_one_and_the_mount_lives()
    {
        // `tierfs archive -r` over 100,000 files opened every file before it started: the daemon ran out
        // of descriptors (EMFILE), the index could not open its files and the mount ended.
        using var m = TestMount.Create();
        const int Files = 1500;
        // Made before the mount: the kernel has looked none of them up, so the daemon holds no inode descriptor of them.
        Directory.CreateDirectory(m.B("many/sub"));
        for (var i = 0; i < Files; i++) File.WriteAllText(m.B($"many/{(i % 2 == 0 ? "sub/" : "")}f{i}"), $"file {i}");
        m.Mount();
        var pid = DaemonProcess.PidOf(m);
        // Room for the daemon's own descriptors and its workers, not for one per file.
        var limit = DaemonProcess.FdCount(pid) + 400;
        Assert.True(limit < Files, $"the daemon already holds {limit - 400} descriptors");
        var prlimit = Proc.Run("prlimit", ["--pid", pid.ToString(), $"--nofile={limit}:{limit}"], TimeSpan.FromSeconds(30));
        Assert.True(prlimit.ExitCode == 0, prlimit.ToString());

        var archive = Tierfs("archive", "-r", m.M("many"));
        Assert.True(archive.ExitCode == 0, $"{archive}\ndaemon descriptors now {DaemonProcess.FdCount(pid)} of {limit}, by kind: " +
            string.Join("; ", DaemonProcess.Descriptors(pid).GroupBy(d => System.Text.RegularExpressions.Regex.Replace(d, "[0-9a-f]{16,}|[0-9]+", "N")).OrderByDescending(g => g.Count()).Take(12).Select(g => $"{g.Count()} x {g.Key}")) +
            $"\nits log:\n{m.LogTail()}");
        Assert.True(m.IsMounted);
        var states = Tierfs("state", "-r", m.M("many"));
        Assert.Equal(0, states.ExitCode);
        var lines = states.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Files, lines.Length);
        Assert.All(lines, l => Assert.StartsWith("archived ", l));
        Assert.Equal("file 7", File.ReadAllText(m.M("many/f7")));
    }
}
