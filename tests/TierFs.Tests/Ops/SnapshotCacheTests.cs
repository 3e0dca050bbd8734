using System.Text.Json;
using TierFs.Index;
using TierFs.Ops;
using TierFs.Tests.Fakes;

namespace TierFs.Tests.Ops;

/// <summary>Requests to the operator's listener share collections of the mount's numbers instead of each running one.</summary>
public class SnapshotCacheTests
{
    private static OpsSnapshot Snapshot(int n) => new($"/m{n}", DateTimeOffset.UnixEpoch, [], [], new(0, 0, null), null, default(JsonElement),
        0, 0, 0, 0, [], null, [], null);

    [Fact]
    public async Task Many_requests_at_once_share_one_collection_and_a_fresh_result_is_reused_until_it_is_not()
    {
        var clock = new ManualClock(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var gate = new TaskCompletionSource();
        var runs = 0;
        var cache = new SnapshotCache(async _ =>
        {
            var n = Interlocked.Increment(ref runs);
            await gate.Task.ConfigureAwait(false);
            clock.Advance(TimeSpan.FromMilliseconds(100)); // what collecting took
            return Snapshot(n);
        }, clock);

        var waiting = Enumerable.Range(0, 200).Select(_ => cache.GetAsync(CancellationToken.None)).ToList();
        // A caller that gives up does not end the collection the others wait for.
        using var gaveUp = new CancellationTokenSource();
        var impatient = cache.GetAsync(gaveUp.Token);
        await gaveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => impatient);
        gate.SetResult();
        var got = await Task.WhenAll(waiting).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(got, s => Assert.Equal("/m1", s.MountPoint));
        Assert.Equal((1, 1L), (runs, cache.Collections));
        Assert.Equal(TimeSpan.FromMilliseconds(100), cache.LastDuration);

        // Fresh for at least a second (four times 100 ms is less): reused, not collected again.
        clock.Advance(TimeSpan.FromMilliseconds(900));
        Assert.Equal("/m1", (await cache.GetAsync(CancellationToken.None)).MountPoint);
        clock.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal("/m2", (await cache.GetAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30))).MountPoint);
        Assert.Equal(2, runs);
    }

    [Fact]
    public async Task A_slow_collection_is_reused_for_four_times_its_length_and_a_failed_one_is_tried_again()
    {
        var clock = new ManualClock(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var runs = 0;
        var fail = true;
        var cache = new SnapshotCache(_ =>
        {
            var n = ++runs;
            clock.Advance(TimeSpan.FromSeconds(3));
            if (fail) throw new IOException("index busy");
            return Task.FromResult(Snapshot(n));
        }, clock);

        await Assert.ThrowsAsync<IOException>(() => cache.GetAsync(CancellationToken.None));
        fail = false;
        Assert.Equal("/m2", (await cache.GetAsync(CancellationToken.None)).MountPoint);
        clock.Advance(TimeSpan.FromSeconds(11)); // within 4 × 3 s
        Assert.Equal("/m2", (await cache.GetAsync(CancellationToken.None)).MountPoint);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("/m3", (await cache.GetAsync(CancellationToken.None)).MountPoint);
    }
}
