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
            var task = recalls.Join(new FileKey(1, (ulong)i), _ =>
            {
                lock (onPool) onPool.Add(Thread.CurrentThread.IsThreadPoolThread);
                return Task.FromResult<string?>(null);
            }, CancellationToken.None, out var started);
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
        Func<CancellationToken, Task<string?>> start = _ =>
        {
            Interlocked.Increment(ref starts);
            return gate.Task;
        };
        var key = new FileKey(1, 2);
        var first = recalls.Join(key, start, CancellationToken.None, out var firstStarted)!;
        var second = recalls.Join(key, start, CancellationToken.None, out var secondStarted)!;
        Assert.True(firstStarted);
        Assert.False(secondStarted);
        Assert.Equal(2, recalls.Sharing(key));
        gate.SetResult("failed");
        Assert.Equal("failed", await first.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("failed", await second.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, recalls.Sharing(key));
        var third = recalls.Join(key, _ => Task.FromResult<string?>(null), CancellationToken.None, out var thirdStarted)!;
        Assert.True(thirdStarted);
        Assert.Null(await third.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, Volatile.Read(ref starts));
    }

    [Fact]
    public async Task A_caller_that_gives_up_withdraws_and_the_recall_is_cancelled_only_when_the_last_one_does()
    {
        var recalls = new InFlightRecalls();
        var key = new FileKey(1, 3);
        var held = new HeldRecall();
        using var first = new CancellationTokenSource();
        using var second = new CancellationTokenSource();
        var a = recalls.Join(key, held.Start, first.Token, out var started)!;
        Assert.True(started);
        var b = recalls.Join(key, NotStartedTwice, second.Token, out started)!;
        Assert.False(started);
        var token = await held.Token;
        Assert.Equal(2, recalls.Sharing(key));

        await first.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => a.WaitAsync(Bound));
        Assert.Equal(1, recalls.Sharing(key));
        Assert.False(token.IsCancellationRequested);
        Assert.False(b.IsCompleted);

        // The last one gives up: the recall is cancelled, and out of the table at once (its end has not come yet).
        await second.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => b.WaitAsync(Bound));
        Assert.True(token.IsCancellationRequested);
        Assert.Equal((0, 0), (recalls.Sharing(key), recalls.Count));
        var next = recalls.Join(key, _ => Task.FromResult<string?>(null), CancellationToken.None, out started)!;
        Assert.True(started);
        Assert.Null(await next.WaitAsync(Bound));
        held.End("cancelled");
    }

    [Fact]
    public async Task A_caller_whose_token_never_fires_keeps_the_recall_going_when_the_others_give_up()
    {
        var recalls = new InFlightRecalls();
        var key = new FileKey(1, 4);
        var held = new HeldRecall();
        using var command = new CancellationTokenSource();
        var commandWait = recalls.Join(key, held.Start, command.Token, out _)!;
        var opener = recalls.Join(key, NotStartedTwice, CancellationToken.None, out _)!;
        var token = await held.Token;

        await command.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => commandWait.WaitAsync(Bound));
        Assert.Equal(1, recalls.Sharing(key));
        Assert.False(token.IsCancellationRequested);
        held.End(null);
        Assert.Null(await opener.WaitAsync(Bound));
        Assert.Equal(0, recalls.Sharing(key));
    }

    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static readonly Func<CancellationToken, Task<string?>> NotStartedTwice = _ => throw new InvalidOperationException("not started twice");

    /// <summary>A recall that shows the token it runs with and ends when the test says so.</summary>
    private sealed class HeldRecall
    {
        private readonly TaskCompletionSource<CancellationToken> _token = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<string?> _end = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<CancellationToken> Token => _token.Task.WaitAsync(Bound);

        public Task<string?> Start(CancellationToken token)
        {
            _token.SetResult(token);
            return _end.Task;
        }

        public void End(string? outcome) => _end.SetResult(outcome);
    }
}
