using TierFs.IntegrationTests.Harness;

namespace TierFs.IntegrationTests;

public class MountLifecycleTests
{
    [Fact]
    public void Mount_shows_the_backing_tree_and_umount_ends_the_daemon()
    {
        using var m = TestMount.Create();
        File.WriteAllText(m.B("hello.txt"), "hello\n");
        m.Mount();
        Assert.Equal("hello\n", File.ReadAllText(m.M("hello.txt")));
        var record = File.ReadAllText(Directory.GetFiles("/run/tierfs", "*.json").First(f => File.ReadAllText(f).Contains(m.MountPoint)));
        var pid = System.Text.Json.JsonDocument.Parse(record).RootElement.GetProperty("Pid").GetInt32();

        var r = m.Unmount();
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.False(m.IsMounted);
        Assert.False(DaemonProcess.IsAlive(pid), "the daemon is still running after umount"); // an unreaped zombie has exited
        Assert.Equal("hello\n", File.ReadAllText(m.B("hello.txt")));
    }
}
