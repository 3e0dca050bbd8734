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

    [Fact]
    public void A_queued_recall_shows_no_percentage_and_once_started_its_rate_and_eta_follow_its_bytes()
    {
        var registry = new TransferRegistry();
        var key = new FileKey(1, 3);
        using var t = registry.Begin(key, "big", TransferView.Queued, 1000, "open by pid=1 uid=0 comm=cat");
        var queued = registry.For(key)!;
        Assert.Equal("queued for recall", queued.ToString());
        Assert.Equal(0, queued.Rate(DateTimeOffset.UtcNow));
        Assert.Null(queued.Eta(DateTimeOffset.UtcNow));

        t.Start("recalling");
        t.Report(250);
        var view = registry.For(key)!;
        Assert.Equal("recalling 25%", view.ToString());
        Assert.Equal("open by pid=1 uid=0 comm=cat", view.By);
        // 250 bytes in the 10 s since it started: 25 B/s, 750 bytes left: 30 s.
        var later = view.Since.AddSeconds(10);
        Assert.Equal(25, view.Rate(later), 3);
        Assert.Equal(TimeSpan.FromSeconds(30), view.Eta(later));
    }

    [Fact]
    public void The_status_line_of_a_recall_names_its_progress_rate_eta_and_cause()
    {
        var json = """{"path":"proj/a.bin","activity":"recalling","done":7759463,"total":20971520,"by":"open by pid=4 uid=1000 comm=python3","since":1,"rate":115553894,"etaSeconds":1}""";
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal("moving: recalling 37% (7.4 MiB/20.0 MiB, 110.2 MiB/s, ETA 1s) /data/proj/a.bin (open by pid=4 uid=1000 comm=python3)",
            TierFs.Cli.Commands.Background.StatusCommand.TransferLine(doc.RootElement, "/data"));
        using var shared = System.Text.Json.JsonDocument.Parse(json.Replace("\"etaSeconds\":1", "\"etaSeconds\":1,\"sharing\":3", StringComparison.Ordinal));
        Assert.EndsWith("/data/proj/a.bin (open by pid=4 uid=1000 comm=python3; shared by 3)", TierFs.Cli.Commands.Background.StatusCommand.TransferLine(shared.RootElement, "/data"));
        using var queued = System.Text.Json.JsonDocument.Parse("""{"path":"b","activity":"queued for recall","done":0,"total":1048576,"by":null,"since":null,"rate":0,"etaSeconds":null}""");
        Assert.Equal("moving: queued for recall (1.0 MiB) /data/b", TierFs.Cli.Commands.Background.StatusCommand.TransferLine(queued.RootElement, "/data"));
    }
}
