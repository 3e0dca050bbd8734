using TierFs.IntegrationTests.Harness;
using static TierFs.IntegrationTests.Tiering.TierHarness;

namespace TierFs.IntegrationTests.Tiering;

/// <summary>
/// A stub keeps the file's times, and a recall puts them back: also times before 1970 with a
/// fraction of a second (seconds negative, nanoseconds not), which a plain division of the
/// nanoseconds would turn into a negative tv_nsec the kernel refuses.
/// </summary>
public class StubTimesTests
{
    [Theory]
    [InlineData(-1, 500_000_000u)] // 1969-12-31 23:59:59.5
    [InlineData(-86_400 * 365 * 30L, 123_456_789u)] // 1940
    [InlineData(1_000_000_000, 999_999_999u)] // 2001, the ordinary case beside them
    public void Release_and_recall_keep_times_before_1970(long sec, uint nsec)
    {
        using var m = TestMount.Start();
        var text = Text(2000, "old");
        File.WriteAllText(m.M("old"), text);
        var atime = new Ts(sec - 10, nsec);
        var mtime = new Ts(sec, nsec);
        Assert.Equal(0, Px.Utimens(m.M("old"), atime, mtime));

        Migrate(m.M("old"));
        Assert.Equal("released", State(m.M("old")));
        var stub = Px.Stat(m.M("old"));
        Assert.Equal(mtime, stub.Mtime);
        Assert.Equal(atime, stub.Atime);

        Assert.Equal(text, File.ReadAllText(m.M("old")));
        Assert.Equal("archived", State(m.M("old")));
        Assert.Equal(mtime, Px.Stat(m.M("old")).Mtime);
        Assert.Equal(mtime, Px.Stat(m.B("old")).Mtime);
    }
}
