using System.Runtime.ExceptionServices;

namespace TierFs.Remote.Transfer;

/// <summary>
/// Runs part 0..count-1 with at most <c>concurrency</c> in flight. The first failure cancels the
/// rest and is the one rethrown (not the cancellations it caused in the other parts).
/// </summary>
internal static class PartRunner
{
    public static async Task RunAsync(int count, int concurrency, Func<int, CancellationToken, Task> part, CancellationToken ct)
    {
        if (count == 0) return;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        ExceptionDispatchInfo? first = null;
        var next = -1;

        async Task Worker()
        {
            int i;
            while (!stop.IsCancellationRequested && (i = Interlocked.Increment(ref next)) < count)
            {
                try
                {
                    await part(i, stop.Token);
                }
                catch (Exception e) when (!(e is OperationCanceledException && stop.IsCancellationRequested))
                {
                    Interlocked.CompareExchange(ref first, ExceptionDispatchInfo.Capture(e), null);
                    await stop.CancelAsync();
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        var workers = Enumerable.Range(0, Math.Clamp(concurrency, 1, count)).Select(_ => Task.Run(Worker)).ToArray();
        await Task.WhenAll(workers);
        first?.Throw();
        ct.ThrowIfCancellationRequested();
    }
}
