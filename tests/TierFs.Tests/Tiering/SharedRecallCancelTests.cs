using TierFs.Posix;
using TierFs.Records;
using TierFs.Tests.Fakes;
using TierFs.Tiering.Control;
using static TierFs.Tests.Tiering.TierEngineTests;

namespace TierFs.Tests.Tiering;

/// <summary>
/// A recall shared by several callers (openers, `tierfs recall`s) runs until every one of them has
/// given up: a command's Ctrl-C ends that command's wait, never an opener's; the last one to give
/// up cancels it (the file is a clean stub again), and a caller coming after that starts anew.
/// </summary>
public sealed class SharedRecallCancelTests
{
    private const int Size = 200_000; // 4 parts of the fake's 64 KiB
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_commands_cancel_ends_its_own_wait_and_the_opener_sharing_its_recall_gets_the_data()
    {
        using var h = new EngineHarness();
        var data = Bytes(Size);
        await Released(h, "a.bin", data);
        var key = h.Key("a.bin");
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Remote.DownloadStarted = _ => go.Task;

        using var cts = new CancellationTokenSource();
        var command = h.Run(TierOp.Recall, "a.bin", cts.Token);
        Await.Until(() => h.Remote.Downloads == 1, Bound, "the command's download started");
        var opener = Task.Run(() => h.Open("a.bin"));
        Await.Until(() => h.Engine.RecallsSharing(key) == 2, Bound, "the opener joined the command's recall");

        await cts.CancelAsync();
        // The command's wait ends while the download is still held; the opener still waits.
        Assert.True(await EndedCancelled(command), "the command's wait did not end cancelled");
        Assert.Equal(1, h.Engine.RecallsSharing(key));
        Assert.False(opener.IsCompleted);

        go.SetResult();
        Assert.Equal(0, await opener.WaitAsync(Bound));
        AssertRecalled(h, data, [null]);
    }

    [Fact]
    public async Task The_only_caller_giving_up_cancels_the_recall_and_the_file_is_a_clean_stub_a_later_open_recalls()
    {
        using var h = new EngineHarness();
        var data = Bytes(Size);
        var (stub, st) = await Released(h, "a.bin", data);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously); // never let go
        h.Remote.DownloadStarted = _ => held.Task;

        using var cts = new CancellationTokenSource();
        var command = h.Run(TierOp.Recall, "a.bin", cts.Token);
        Await.Until(() => h.Remote.Downloads == 1, Bound, "the command's download started");
        await cts.CancelAsync();
        Assert.True(await EndedCancelled(command), "the command's wait did not end cancelled");
        Assert.Equal(0, h.Engine.RecallsSharing(h.Key("a.bin")));
        Await.Until(() => !h.Journal.Recalls.IsEmpty, Bound, "the cancelled recall's row");
        Assert.Equal("cancelled", Assert.Single(h.Journal.Recalls).Error);
        AssertUntouched(h, "a.bin", stub, st);
        AssertQueueEmpty(h);

        h.Remote.DownloadStarted = null;
        Assert.Equal(0, h.Open("a.bin"));
        Assert.Equal(data, h.Read("a.bin"));
    }

    [Fact]
    public async Task Two_commands_giving_up_one_after_the_other_cancel_the_recall_only_with_the_second()
    {
        using var h = new EngineHarness();
        var (stub, st) = await Released(h, "a.bin", Bytes(Size));
        var key = h.Key("a.bin");
        h.Remote.Hang = (op, _) => op == FakeOp.Download;
        h.Remote.RequestTimeout = TimeSpan.FromMinutes(10);

        using var first = new CancellationTokenSource();
        using var second = new CancellationTokenSource();
        var a = h.Run(TierOp.Recall, "a.bin", first.Token);
        Await.Until(() => h.Remote.Downloads == 1, Bound, "the first command's download started");
        var b = h.Run(TierOp.Recall, "a.bin", second.Token);
        Await.Until(() => h.Engine.RecallsSharing(key) == 2, Bound, "the second command joined");

        await first.CancelAsync();
        Assert.True(await EndedCancelled(a), "the first command's wait did not end cancelled");
        Assert.Equal(1, h.Engine.RecallsSharing(key));
        Assert.Equal(0, h.Remote.HangsCancelled);
        Assert.False(b.IsCompleted);

        await second.CancelAsync();
        Assert.True(await EndedCancelled(b), "the second command's wait did not end cancelled");
        Await.Until(() => h.Remote.HangsCancelled == 1, Bound, "the download saw the cancellation");
        Await.Until(() => !h.Journal.Recalls.IsEmpty, Bound, "the cancelled recall's row");
        Assert.Equal("cancelled", Assert.Single(h.Journal.Recalls).Error);
        AssertUntouched(h, "a.bin", stub, st);
        AssertQueueEmpty(h);
    }

    [Fact]
    public async Task A_caller_coming_while_a_given_up_recall_unwinds_starts_a_new_recall_and_gets_the_data()
    {
        using var h = new EngineHarness();
        var data = Bytes(Size);
        await Released(h, "a.bin", data);
        var key = h.Key("a.bin");
        // The command's progress report holds its recall (and the file's lock) while the command gives up.
        using var sink = new HeldProgress(2 * Bound); // outlasts the waits below: it lets go when released
        using var cts = new CancellationTokenSource();
        var command = h.Engine.RunAsync(new ControlRequest(TierOp.Recall, ["a.bin"], false), sink, cts.Token);
        Assert.True(sink.Reached.Wait(Bound), "the recall reported no progress");
        await cts.CancelAsync();
        try { await command.WaitAsync(Bound); }
        catch (OperationCanceledException) { }
        Await.Until(() => h.Engine.RecallsSharing(key) == 0 && h.Engine.RecallsInFlight == 0, Bound, "the given-up recall left the table");

        var opener = Task.Run(() => h.Open("a.bin"));
        Await.Until(() => h.Engine.RecallsSharing(key) == 1, Bound, "the opener started a recall of its own");
        Assert.True(h.Journal.Recalls.IsEmpty, "the given-up recall ended before the opener came");
        sink.Release();

        Assert.Equal(0, await opener.WaitAsync(Bound));
        AssertRecalled(h, data, ["cancelled", null]);
    }

    /// <summary>
    /// Many cycles of a stub recalled by up to two commands and two openers at once, commands
    /// giving up before the download goes on or while it runs, some downloads breaking off: each
    /// opener gets the data or (the download broke) EIO; a command that holds on gets the file; the
    /// file ends whole and archived, or a clean stub when the download broke or nobody held on.
    /// </summary>
    [Fact]
    public async Task Stress_commands_give_up_at_any_moment_openers_never_lose_and_the_file_is_whole_or_a_clean_stub()
    {
        using var h = new EngineHarness();
        var data = Bytes(Size);
        var (stub, st) = await Released(h, "a.bin", data);
        var key = h.Key("a.bin");
        var seed = Environment.TickCount;
        var rng = new Random(seed);
        for (var cycle = 0; cycle < 40; cycle++)
        {
            var what = $"seed {seed}, cycle {cycle}";
            var commands = rng.Next(0, 3);
            var openers = rng.Next(commands == 0 ? 1 : 0, 3);
            var breaks = rng.Next(6) == 0;
            // Each command gives up before the download goes on (0), while it runs (1), or never (2).
            var quits = Enumerable.Range(0, commands).Select(_ => rng.Next(3)).ToArray();
            h.Remote.FailAfterBytes = breaks ? 100_000 : null;
            var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            h.Remote.DownloadStarted = _ => go.Task;
            var (downloads, rows) = (h.Remote.Downloads, h.Journal.Recalls.Count);

            var tokens = quits.Select(_ => new CancellationTokenSource()).ToArray();
            var runs = tokens.Select(t => h.Run(TierOp.Recall, "a.bin", t.Token)).ToArray();
            var opens = Enumerable.Range(0, openers).Select(_ => Task.Run(() => h.Open("a.bin"))).ToArray();
            Await.Until(() => h.Engine.RecallsSharing(key) == commands + openers && h.Remote.Downloads == downloads + 1, Bound, $"{what}: all callers share one download");

            for (var i = 0; i < commands; i++)
                if (quits[i] == 0) await tokens[i].CancelAsync();
            go.SetResult();
            for (var i = 0; i < commands; i++)
                if (quits[i] == 1) await tokens[i].CancelAsync();

            foreach (var open in opens) Assert.Equal(breaks ? -Errno.EIO : 0, await open.WaitAsync(Bound));
            for (var i = 0; i < commands; i++)
            {
                if (quits[i] == 0) Assert.True(await EndedCancelled(runs[i]), $"{what}: command {i} gave up, its wait did not end cancelled");
                else if (quits[i] == 1) await EndedCancelled(runs[i]); // either way: it gave up as the recall ran
                else Assert.Equal(!breaks, (await runs[i].WaitAsync(Bound)).Ok);
            }
            Await.Until(() => h.Journal.Recalls.Count == rows + 1, Bound, $"{what}: the recall's row");
            Assert.Equal(downloads + 1, h.Remote.Downloads);
            Assert.Equal(0, h.Engine.RecallsSharing(key));
            AssertQueueEmpty(h);
            foreach (var t in tokens) t.Dispose();

            var recalled = h.Journal.Recalls.Last().Error is null;
            // Held on to by an opener or a command that never gave up: it must have come back.
            Assert.True(recalled || breaks || (openers == 0 && !quits.Contains(2)), $"{what}: recall failed: {h.Journal.Recalls.Last().Error}");
            if (!recalled)
            {
                AssertUntouched(h, "a.bin", stub, st);
                continue;
            }
            Assert.Equal(data, h.Read("a.bin"));
            Assert.Equal(StubRecord.StateArchived, h.Record("a.bin")!.State);
            var released = await h.Run(TierOp.Release, "a.bin");
            Assert.True(released.Ok, $"{what}: {released.Error}");
            (stub, st) = (h.Record("a.bin")!, h.Stat("a.bin"));
        }
    }

    /// <summary>a.bin is whole and archived, after one download per recall, whose rows say <paramref name="errors"/>.</summary>
    private static void AssertRecalled(EngineHarness h, byte[] data, string?[] errors)
    {
        Assert.Equal(data, h.Read("a.bin"));
        Assert.Equal(StubRecord.StateArchived, h.Record("a.bin")!.State);
        Assert.True(h.HoldsData("a.bin"));
        Assert.Equal(errors.Length, h.Remote.Downloads);
        Await.Until(() => h.Journal.Recalls.Count == errors.Length, Bound, "every recall's row");
        Assert.Equal(errors, h.Journal.Recalls.Select(r => r.Error));
        AssertQueueEmpty(h);
    }

    /// <summary>Whether a command's wait ended cancelled (its result says so, or its task was cancelled).</summary>
    private static async Task<bool> EndedCancelled(Task<FileResult> command)
    {
        try { return (await command.WaitAsync(Bound)).Error == "cancelled"; }
        catch (OperationCanceledException) { return true; }
    }

    /// <summary>The recall's place in the queue is given back (just after its row is written, when nobody waits for it).</summary>
    private static void AssertQueueEmpty(EngineHarness h) =>
        Await.Until(() => h.Engine.RecallQueue.Load is { Running: 0, Queued: 0 }, Bound, "the recall queue is empty again");

    /// <summary>A command's sink whose progress reports wait (bounded) until released.</summary>
    private sealed class HeldProgress(TimeSpan bound) : IControlSink, IDisposable
    {
        private readonly ManualResetEventSlim _release = new();

        public ManualResetEventSlim Reached { get; } = new();

        public void Progress(string path, long done, long total)
        {
            Reached.Set();
            _release.Wait(bound);
        }

        public void Result(FileResult result) { }

        public void Release() => _release.Set();

        public void Dispose()
        {
            Release();
            Reached.Dispose();
            _release.Dispose();
        }
    }
}
