using TierFs.Tiering.Engine;
using TierFs.Records;

namespace TierFs.Tests.Tiering;

public class TransferRegistryTests
{
    [Fact]
    public void A_transfer_shows_while_it_lasts_with_its_percentage()
    {
        var registry = new TransferRegistry();
        var key = new FileKey(1, 2);
        using (var t = registry.Begin(key, "a/big", "archiving", 200))
        {
            t.Report(90);
            Assert.Equal("archiving 45%", registry.For(key)!.ToString());
            Assert.Equal("a/big", Assert.Single(registry.Snapshot()).Path);
        }
        Assert.Null(registry.For(key));
        Assert.Empty(registry.Snapshot());
    }

    [Fact]
    public async Task Waiting_for_the_transfers_under_way_ends_when_they_end_and_not_with_later_ones()
    {
        var registry = new TransferRegistry();
        var first = registry.Begin(new FileKey(1, 1), "a", "archiving", 10);
        var wait = registry.WaitForCurrentAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        using var later = registry.Begin(new FileKey(1, 2), "b", "archiving", 10);
        Assert.False(wait.IsCompleted);
        first.Dispose();
        Assert.True(await wait.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.False(await registry.WaitForCurrentAsync(TimeSpan.FromMilliseconds(100), CancellationToken.None)); // the later one is under way
        Assert.True(await new TransferRegistry().WaitForCurrentAsync(TimeSpan.Zero, CancellationToken.None));
    }

    [Fact]
    public void Ending_an_old_transfer_does_not_drop_a_newer_one_of_the_same_file()
    {
        var registry = new TransferRegistry();
        var key = new FileKey(1, 2);
        var first = registry.Begin(key, "a", "archiving", 10);
        using var second = registry.Begin(key, "a", "recalling", 10);
        first.Dispose();
        Assert.Equal("recalling 0%", registry.For(key)!.ToString());
    }
}
