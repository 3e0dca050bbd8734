using TierFs.FileSystem;
using TierFs.Index;
using TierFs.Posix;
using TierFs.Scan;

namespace TierFs.Tests.Scan;

/// <summary>
/// The mount's first scan (into an empty index): a scan asked for while it runs (`tierfs scan`
/// right after the mount) waits for it and reports it instead of walking the tree a second time.
/// </summary>
public sealed class FirstScanTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly ScanTestTree _tree = new();
    private readonly int _rootFd;

    public FirstScanTests()
    {
        for (var d = 0; d < 5; d++)
            for (var f = 0; f < 20; f++) _tree.File($"d{d}/f{f}");
        _rootFd = OverlayFileSystem.OpenBacking(_tree.Root);
    }

    public void Dispose()
    {
        Libc.Close(_rootFd);
        _tree.Dispose();
    }

    /// <summary>The root, 5 directories, 100 files.</summary>
    private const long Entries = 106;

    private static long Scans(TierIndex index) => (long)index.Query("SELECT count(*) FROM scans").Rows.Single()[0]!;

    [Fact]
    public async Task A_scan_asked_for_during_the_first_scan_waits_for_it_and_returns_its_result()
    {
        using var index = _tree.OpenIndex();
        using var keeper = new IndexKeeper(index, _rootFd);
        using var release = new ManualResetEventSlim();
        bool? onPool = null;
        keeper.ScanIfEmpty(null, () =>
        {
            onPool = Thread.CurrentThread.IsThreadPoolThread;
            Assert.True(release.Wait(Patience), "the test never let the first scan go on");
        });
        var progress = new List<ScanProgress>();
        var asked = Task.Run(() => keeper.Scan(new ScanOptions { Progress = p => { lock (progress) progress.Add(p); } }));
        Assert.True(SpinWait.SpinUntil(() => keeper.WaitingForFirstScan == 1, Patience), "the scan asked for did not wait for the first scan");
        release.Set();

        // Its result is the first scan's: every entry new, one scan recorded, not a second pass.
        var result = await asked.WaitAsync(Patience);
        Assert.Equal((1L, Entries, Entries), (result.Generation, result.Counts.Entries, result.Counts.New));
        Assert.Equal((1L, Entries), (Scans(index), index.EntryStats().Entries));
        lock (progress) Assert.Equal(Entries, progress[^1].Entries);
        Assert.False(onPool, "the first scan held a thread-pool thread");

        // Once it is over, a scan walks the tree again.
        var again = keeper.Scan();
        Assert.Equal((2L, Entries, 0L), (again.Generation, again.Counts.Entries, again.Counts.New));
    }

    [Fact]
    public async Task A_caller_waiting_for_the_first_scan_can_give_up_and_the_first_scan_goes_on()
    {
        using var index = _tree.OpenIndex();
        using var keeper = new IndexKeeper(index, _rootFd);
        using var release = new ManualResetEventSlim();
        keeper.ScanIfEmpty(null, () => Assert.True(release.Wait(Patience)));
        using var cancel = new CancellationTokenSource();
        var asked = Task.Run(() => keeper.Scan(new ScanOptions { Cancellation = cancel.Token }));
        Assert.True(SpinWait.SpinUntil(() => keeper.WaitingForFirstScan == 1, Patience));
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => asked.WaitAsync(Patience));

        release.Set();
        Assert.True(SpinWait.SpinUntil(() => index.EntryStats().LastScan == 1, Patience), "the first scan did not finish");
        Assert.Equal((1L, Entries), (Scans(index), index.EntryStats().Entries));
    }

    [Fact]
    public async Task A_waiters_failing_progress_callback_neither_fails_the_first_scan_nor_its_wait()
    {
        using var index = _tree.OpenIndex();
        using var keeper = new IndexKeeper(index, _rootFd);
        using var release = new ManualResetEventSlim();
        using var completed = new ManualResetEventSlim();
        keeper.ScanIfEmpty(completed.Set, () => Assert.True(release.Wait(Patience)));
        var calls = 0;
        // The first scan tells its waiters its counts at least once, at its end.
        var asked = Task.Run(() => keeper.Scan(new ScanOptions
        {
            Progress = _ => { Interlocked.Increment(ref calls); throw new IOException("the waiter's client went away"); },
        }));
        Assert.True(SpinWait.SpinUntil(() => keeper.WaitingForFirstScan == 1, Patience));
        release.Set();

        var result = await asked.WaitAsync(Patience);
        Assert.Equal((1L, Entries, Entries, false), (result.Generation, result.Counts.Entries, result.Counts.New, result.Cancelled));
        Assert.True(completed.Wait(Patience), "the first scan did not complete");
        Assert.Equal(1, Volatile.Read(ref calls)); // told once, then no more
        Assert.Equal((1L, Entries), (Scans(index), index.EntryStats().Entries));
    }

    [Fact]
    public void Without_a_first_scan_running_a_scan_walks_the_tree_itself()
    {
        using var index = _tree.OpenIndex();
        _tree.Scan(index); // not empty: no first scan
        using var keeper = new IndexKeeper(index, _rootFd);
        keeper.ScanIfEmpty(null, () => Assert.Fail("a first scan started on an index that has entries"));
        Assert.Equal(0, keeper.WaitingForFirstScan);
        var result = keeper.Scan();
        Assert.Equal((2L, Entries, 0L), (result.Generation, result.Counts.Entries, result.Counts.New));
    }
}
