using TierFs.IntegrationTests.Harness;
using static TierFs.IntegrationTests.Daemon.DaemonHarness;

namespace TierFs.IntegrationTests.Daemon;

/// <summary>usage_high/usage_low on a backing filesystem of known size (a tmpfs).</summary>
public class UsageReleaseTests
{
    [Fact]
    public void Above_the_high_mark_archived_files_are_released_coldest_first_until_below_the_low_mark()
    {
        using var m = TestMount.Create();
        Proc.Check("mount", "-t", "tmpfs", "-o", "size=64m", "tierfs-usage-test", m.Backing);
        var old = DateTime.UtcNow.AddDays(-10);
        for (var i = 0; i < 5; i++)
        {
            Write(m.B($"f{i}"), 8 << 20, i);
            File.SetLastAccessTimeUtc(m.B($"f{i}"), old.AddHours(i)); // f0 is the coldest
        }
        var config = Tiering.TierHarness.WriteConfig(m.Root, """
            policies:
              - name: copy-all
                action: archive
                where: "size > 0"
            schedule:
              min_age: 0s
              usage_high: 50
              usage_low: 30
            """);
        m.Mount("--config", config, "--no-daemon");
        Assert.True(UsedPercent(m.Backing) > 50, $"the test needs a fuller filesystem: {UsedPercent(m.Backing)}%");

        var r = PolicyRun(m);
        Assert.Contains("copy-all: archive 5 files", r.Stdout);
        Assert.Contains("usage: release 3 files", r.Stdout);
        Assert.Equal("f0=released f1=released f2=released f3=archived f4=archived", States(m));
        Assert.True(UsedPercent(m.Backing) <= 30, $"still {UsedPercent(m.Backing)}% used");

        // Below the high mark, nothing more is released.
        PolicyRun(m);
        Assert.Equal("f0=released f1=released f2=released f3=archived f4=archived", States(m));
    }

    private static double UsedPercent(string path)
    {
        var d = new DriveInfo(path);
        var used = d.TotalSize - d.TotalFreeSpace;
        return 100.0 * used / (used + d.AvailableFreeSpace);
    }
}
