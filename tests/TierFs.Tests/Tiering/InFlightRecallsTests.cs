using TierFs.Records;
using TierFs.Tiering.Engine;

namespace TierFs.Tests.Tiering;

public sealed class InFlightRecallsTests
{
    [Fact]
    public async Task A_recall_starts_on_the_pool_not_on_a_thread_of_its_own()
    {
        // A storm of 1,000 opens made and ended a thread per recall (the daemon peaked at ~190 threads).
        var recalls = new InFlightRecalls();
        var onPool = new List<bool>();
        var tasks = new List<Task<string?>>();
        for (var i = 0; i < 20; i++)
        {
            var task = recalls.Join(new FileKey(1, (ulong)i), () =>
            {
                lock (onPool) onPool.Add(Thread.CurrentThread.IsThreadPoolThread);
                return Task.FromResult<string?>(null);
            }, out var started);
            Assert.True(started);
            tasks.Add(task!);
        }
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(20, onPool.Count);
        Assert.All(onPool, Assert.True);
    }

    [Fact]
    public async Task Callers_of_one_file_share_its_recall_and_the_next_caller_after_the_end_starts_anew()
    {
        var recalls = new InFlightRecalls();
        var gate = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var starts = 0;
        Func<Task<string?>> start = () =>
        {
            Interlocked.Increment(ref starts);
            return gate.Task;
        };
        var key = new FileKey(1, 2);
        var first = recalls.Join(key, start, out var firstStarted)!;
        var second = recalls.Join(key, start, out var secondStarted)!;
        Assert.True(firstStarted);
        Assert.False(secondStarted);
        Assert.Equal(2, recalls.Sharing(key));
        gate.SetResult("failed");
        Assert.Equal("failed", await first.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("failed", await second.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, recalls.Sharing(key));
        var third = recalls.Join(key, () => Task.FromResult<string?>(null), out var thirdStarted)!;
        Assert.True(thirdStarted);
        Assert.Null(await third.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, Volatile.Read(ref starts));
    }
}
