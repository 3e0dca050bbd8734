using TierFs.Fuse;
using TierFs.IntegrationTests.Harness;

namespace TierFs.IntegrationTests.Trust;

/// <summary>
/// One tree, one mount: the same backing tree at a second mountpoint (by its path, by a symlink to
/// it, or a tree inside it) and a TierFs mount over a TierFs mount are refused with one clear line;
/// when the first mount is gone (even killed), the tree can be mounted again.
/// </summary>
public sealed class OneMountPerTreeTests
{
    private static RunResult Mount(string backing, string mountPoint, string stateDir) =>
        Proc.Run(Proc.Tierfs, ["mount", backing, mountPoint, "--state-dir", stateDir]);

    private static void AssertRefused(RunResult r, string mentions, string mountPoint)
    {
        Assert.True(r.ExitCode != 0, r.ToString());
        var line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("tierfs: ", line);
        Assert.Contains(mentions, line);
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.False(MountTable.At(mountPoint)?.FsType == "fuse.tierfs", $"{mountPoint} was mounted");
    }

    [Fact]
    public void A_second_mount_of_a_mounted_tree_is_refused_by_any_path_and_allowed_once_the_first_is_gone()
    {
        using var m = TestMount.Start();
        Directory.CreateDirectory(m.B("sub"));
        var second = Path.Combine(m.Root, "mnt2");
        var third = Path.Combine(m.Root, "mnt3");
        Directory.CreateDirectory(second);
        Directory.CreateDirectory(third);
        var link = Path.Combine(m.Root, "link-to-backing");
        Assert.Equal(0, Px.Symlink(m.Backing, link));
        var state2 = Path.Combine(m.Root, "state2");

        AssertRefused(Mount(m.Backing, second, state2), m.MountPoint, second);
        AssertRefused(Mount(link, second, state2), m.MountPoint, second);
        AssertRefused(Mount(m.B("sub"), second, state2), m.MountPoint, second);
        AssertRefused(Mount(m.MountPoint, third, state2), "TierFs mount", third);

        // The first daemon dies: its lock goes with it, and the tree mounts elsewhere.
        var pid = DaemonProcess.PidOf(m);
        Assert.Equal(0, Px.Kill(pid, 9));
        Assert.True(Proc.WaitUntil(() => !DaemonProcess.IsAlive(pid), TimeSpan.FromSeconds(10)));
        var r = Mount(m.Backing, second, state2);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(0, Proc.TierfsRun("umount", second).ExitCode);
    }
}
