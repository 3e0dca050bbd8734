using TierFs.Tests.Fakes;
using TierFs.Ops.Metrics;

namespace TierFs.Tests.Ops;

public class RateHistoryTests
{
    [Fact]
    public void Counts_per_minute_over_the_span_and_forgets_what_is_older()
    {
        var clock = new ManualClock(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000 - 1_800_000_000 % 60));
        var rates = new RateHistory(TimeSpan.FromMinutes(3), clock);
        rates.Add("archive", 100);
        rates.Add("archive", 50);
        rates.Add("recall", 7);
        rates.Add("scan", 1); // not a rate the page plots
        clock.Advance(TimeSpan.FromMinutes(1));
        rates.Add("archive", 10);

        var archive = rates.Series("archive");
        Assert.Equal(3, archive.Count);
        Assert.Equal([0L, 150, 10], archive.Select(p => p.Bytes));
        Assert.Equal([0L, 2, 1], archive.Select(p => p.Files));
        Assert.Equal([0L, 7, 0], rates.Series("recall").Select(p => p.Bytes));

        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.All(rates.Series("archive"), p => Assert.Equal(0, p.Bytes));
    }
}
