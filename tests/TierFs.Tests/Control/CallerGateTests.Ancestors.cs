using TierFs.Tiering.Control;
using TierFs.Records;

namespace TierFs.Tests.Control;

/// <summary>
/// The directories above the mountpoint and the mount root itself: a user who cannot search them
/// reaches nothing on the mount, and the gate says "permission denied" for every path, existing or not.
/// </summary>
public sealed partial class CallerGateTests
{
    [Theory]
    [InlineData(0b111_000_000)] // closed
    [InlineData(0b111_100_100)] // listed, not searchable
    public async Task A_user_who_cannot_search_above_the_mountpoint_is_refused_every_path_alike(int parentMode)
    {
        Make("open.txt", "world readable", 0b110_100_100);
        var parent = Path.Combine(_dir, "above");
        var mountPoint = Path.Combine(parent, "mnt");
        Directory.CreateDirectory(mountPoint);
        File.SetUnixFileMode(parent, (UnixFileMode)parentMode);

        foreach (var op in new[] { TierOp.State, TierOp.Recall })
        {
            var (results, inner) = await RunAsync(new ControlRequest(op, ["open.txt", "missing"], false) { Caller = User }, mountPoint);
            Assert.Empty(inner.Requests);
            Assert.Equal(["permission denied", "permission denied"], results.Select(r => r.Error));
        }

        File.SetUnixFileMode(parent, (UnixFileMode)0b111_101_101);
        var (open, _) = await RunAsync(new ControlRequest(TierOp.State, ["open.txt", "missing"], false) { Caller = User }, mountPoint);
        Assert.Contains(new FileResult("open.txt", true, "released", null), open);
        Assert.Contains(new FileResult("missing", false, null, "no such file or directory"), open);
    }

    [Theory]
    [InlineData(0b111_000_000)]
    [InlineData(0b111_100_100)]
    public async Task The_mount_roots_own_search_permission_is_checked_by_the_walk(int rootMode)
    {
        Make("open.txt", "world readable", 0b110_100_100);
        File.SetUnixFileMode(_dir, (UnixFileMode)rootMode);
        var (results, inner) = await RunAsync(new ControlRequest(TierOp.State, ["open.txt", "missing"], false) { Caller = User });
        Assert.Empty(inner.Requests);
        Assert.Equal(["permission denied", "permission denied"], results.Select(r => r.Error));
    }
}
