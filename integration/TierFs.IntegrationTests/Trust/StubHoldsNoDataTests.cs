using System.Security.Cryptography;
using TierFs.IntegrationTests.Harness;
using Xunit.Abstractions;
using static TierFs.IntegrationTests.Tiering.TierHarness;
using static TierFs.IntegrationTests.Trust.TrustHarness;

namespace TierFs.IntegrationTests.Trust;

/// <summary>
/// A released file holds no data extent in the backing tree: not the partial last block that a
/// punch of [0, size) leaves on ext4, and not the blocks of a recall that a crash interrupted.
/// </summary>
public sealed class StubHoldsNoDataTests(ITestOutputHelper output)
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public void A_released_file_whose_size_is_not_a_whole_number_of_blocks_holds_no_data_extent()
    {
        using var m = TestMount.Start();
        var data = Content(9 * MiB + 9, seed: 91);
        File.WriteAllBytes(m.M("odd.bin"), data);
        Migrate(m.M("odd.bin"));

        Assert.Equal("released", State(m.M("odd.bin")));
        Assert.Equal(9 * MiB + 9, Px.Stat(m.B("odd.bin")).Size);
        Assert.Null(FirstData(m.B("odd.bin")));
        Assert.Equal(data, File.ReadAllBytes(m.M("odd.bin")));
    }

    [Fact]
    public void A_recall_interrupted_by_SIGKILL_leaves_no_data_in_the_stub_once_the_tree_is_mounted_again()
    {
        using var s3 = S3Server.Launch();
        using var t = S3TierMount.Start(s3, "kill-punch/", "part_size: 8M\nrequest_timeout: 3s\nconcurrency: 1");
        var m = t.M;
        var data = Content(64 * MiB, seed: 92);
        File.WriteAllBytes(m.M("big.bin"), data);
        Migrate(m.M("big.bin"));
        var before = Px.Stat(m.M("big.bin"));

        var reader = Task.Run(() => Proc.Run("cat", [m.M("big.bin")], TimeSpan.FromSeconds(90)));
        Assert.True(Proc.WaitUntil(() => FirstData(m.B("big.bin")) is not null || reader.IsCompleted, TimeSpan.FromSeconds(30)), "the recall did not start");
        var pid = DaemonProcess.PidOf(m);
        Assert.Equal(0, Px.Kill(pid, 9));
        Assert.True(Proc.WaitUntil(() => !DaemonProcess.IsAlive(pid), TimeSpan.FromSeconds(10)));
        var partial = Px.Stat(m.B("big.bin")).Blocks * 512L;
        output.WriteLine($"daemon killed with {partial} of {data.Length} bytes recalled");
        Assert.True(partial < data.Length, "the recall was complete before the kill");
        Assert.True(Proc.WaitUntil(() => reader.IsCompleted, TimeSpan.FromSeconds(30)), "the reader did not end");

        Assert.True(Proc.WaitUntil(() => !Directory.Exists(m.MountPoint), TimeSpan.FromSeconds(10)), "the dead mount still answers a stat");
        t.Mount();

        Assert.True(FirstData(m.B("big.bin")) is null, $"the stub holds data from {FirstData(m.B("big.bin"))}; record {t.Record("big.bin")}\n{m.Log}");
        Assert.Equal("released", State(m.M("big.bin")));
        Assert.False(t.Record("big.bin")!.Value.TryGetProperty("recalling", out _), "the record still says recalling");
        Assert.Equal(Kept(before), Kept(Px.Stat(m.M("big.bin"))));
        Assert.Contains(m.Log.Split('\n'), l => l.Contains("big.bin") && l.Contains("interrupted"));
        Assert.Equal(Convert.ToHexString(SHA256.HashData(data)), Hash(m.M("big.bin")));
    }
}
