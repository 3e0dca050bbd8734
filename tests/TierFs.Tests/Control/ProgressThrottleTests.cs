using System.Diagnostics;
using TierFs.Tiering.Control;

namespace TierFs.Tests.Control;

public class ProgressThrottleTests
{
    private static long Ms(int ms) => ms * Stopwatch.Frequency / 1000;

    [Fact]
    public void Lets_through_the_first_the_last_and_one_per_interval_per_file()
    {
        var t = new ProgressThrottle(TimeSpan.FromMilliseconds(100));
        Assert.True(t.ShouldSend("a", 0, 100, Ms(0)));
        Assert.False(t.ShouldSend("a", 10, 100, Ms(50)));
        Assert.True(t.ShouldSend("b", 10, 100, Ms(50)));   // another file has its own budget
        Assert.True(t.ShouldSend("a", 20, 100, Ms(100)));
        Assert.False(t.ShouldSend("a", 30, 100, Ms(150)));
        Assert.True(t.ShouldSend("a", 100, 100, Ms(160)));  // the end of a file always shows
        t.Forget("a");
        Assert.True(t.ShouldSend("a", 1, 100, Ms(170)));   // a new transfer of the same path starts fresh
    }
}
