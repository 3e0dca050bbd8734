using System.Security.Cryptography;
using TierFs.Posix;
using TierFs.Records;
using TierFs.Tests.Fakes;
using TierFs.Tiering.Config;
using TierFs.Tiering.Control;
using TierFs.Tiering.Engine;

namespace TierFs.Tests.Tiering;

/// <summary>
/// Who may recall (recall.deny_commands, uids, gids), how many recalls run at once
/// (recall.max_concurrent, max_queued), and every recall accounted for (one row each, with the
/// first opener's cause), on a real engine over a temp directory with the fake remote tier.
/// </summary>
public sealed class RecallAdmissionTests
{
    private const int Size = 200_000;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private static readonly int Me = Environment.ProcessId;
    private static string MyCommand => ProcessName.Of(Me);

    private static EngineHarness Harness(RecallConfig recall) =>
        new(config: new TierFsConfig { Remote = new RemoteConfig { DeleteGrace = TimeSpan.Zero }, Recall = recall });

    private static async Task<byte[]> Stub(EngineHarness h, string name)
    {
        var data = RandomNumberGenerator.GetBytes(Size);
        h.Write(name, data);
        var r = await h.Run(TierOp.Migrate, name);
        Assert.True(r.Ok, r.Error);
        return data;
    }

    [Fact]
    public async Task A_denied_command_gets_EPERM_and_recalls_nothing_while_other_files_and_callers_are_served()
    {
        using var h = Harness(new RecallConfig { DenyCommands = ["updatedb", MyCommand] });
        var data = await Stub(h, "s.bin");
        var record = h.Record("s.bin");
        // A sparse file that is no stub: the rule is about recalls, not about opens.
        using (var f = File.Create(h.PathOf("sparse.bin"))) f.SetLength(1 << 20);

        Assert.Equal(-Errno.EPERM, h.Open("s.bin", new Opener(Me, 1000, 1000)));
        Assert.Equal(0, h.Remote.Downloads);
        Assert.Equal(record, h.Record("s.bin"));
        Assert.False(h.HoldsData("s.bin"));
        Assert.Empty(h.Journal.Recalls);
        Assert.Equal(0, h.Open("sparse.bin", new Opener(Me, 1000, 1000)));

        // Truncating to a size keeps data: a recall, refused too; truncating to 0 needs none.
        Assert.Equal(-Errno.EPERM, h.Open("s.bin", new Opener(Me, 1000, 1000, RecallTrigger.Truncate)));
        Assert.Equal(0, h.Remote.Downloads);

        // Another command (pid 1 is never this test's command) recalls it.
        Assert.Equal(0, h.Open("s.bin", new Opener(1, 0, 0)));
        Assert.Equal(data, h.Read("s.bin"));
    }

    [Fact]
    public async Task Uids_and_groups_are_denied_or_allowed_and_an_allowed_uid_beats_a_denied_command()
    {
        using var h = Harness(new RecallConfig { DenyCommands = [MyCommand], DenyUids = [4242], DenyGids = [777], AllowUids = [1001], AllowGids = [888] });
        await Stub(h, "a.bin");
        Assert.Equal(-Errno.EPERM, h.Open("a.bin", new Opener(1, 4242, 100)));
        Assert.Equal(-Errno.EPERM, h.Open("a.bin", new Opener(1, 4243, 777)));
        Assert.Equal(0, h.Remote.Downloads);
        Assert.Equal(0, h.Open("a.bin", new Opener(Me, 1001, 100)));
        Assert.Equal(1, h.Remote.Downloads);

        await Stub(h, "b.bin");
        Assert.Equal(0, h.Open("b.bin", new Opener(Me, 4242, 888)));
    }

    [Fact]
    public async Task Root_running_tierfs_recall_is_never_denied_a_user_is_as_their_opens_are()
    {
        using var h = Harness(new RecallConfig { DenyCommands = [MyCommand], DenyUids = [4242] });
        await Stub(h, "a.bin");
        var user = new Caller(Me, 4242, 4242, []);
        var r = await h.Run(TierOp.Recall, "a.bin", caller: user);
        Assert.False(r.Ok);
        Assert.StartsWith("recall refused: ", r.Error);
        Assert.Equal(0, h.Remote.Downloads);

        r = await h.Run(TierOp.Recall, "a.bin", caller: new Caller(Me, 0, 0, []));
        Assert.True(r.Ok, r.Error);
        var row = Assert.Single(h.Journal.Recalls);
        Assert.Equal(("command", Me, 0u, MyCommand, null as string), (row.Trigger, row.Pid, row.Uid, row.Command, row.Error));
    }

    [Fact]
    public async Task At_most_max_concurrent_recalls_download_the_others_wait_in_order_and_a_full_queue_refuses_with_EAGAIN()
    {
        using var h = Harness(new RecallConfig { MaxConcurrent = 2, MaxQueued = 3 });
        var files = new Dictionary<string, byte[]>();
        for (var i = 0; i < 6; i++) files[$"f{i}"] = await Stub(h, $"f{i}");
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Remote.DownloadStarted = _ => go.Task;
        var results = new int[5];
        var threads = Enumerable.Range(0, 5).Select(i => new Thread(() => results[i] = h.Open($"f{i}", new Opener(Me, 1000, 1000)))).ToList();
        try
        {
            threads.ForEach(t => t.Start());
            // A recall counts as queued from its start; it shows in Transfers once it holds its file's lock.
            try
            {
                Await.Until(() => h.Engine.RecallQueue.Load is { Running: 2, Queued: 3 } && h.Engine.Transfers.Snapshot().Count == 5 && h.Remote.Downloads == 2,
                    Bound, "2 recalls running (downloading) and 3 queued");
            }
            catch (TimeoutException e)
            {
                throw new TimeoutException($"{e.Message}: now {h.Engine.RecallQueue.Load}, {h.Engine.Transfers.Snapshot().Count} shown, {h.Remote.Downloads} downloads", e);
            }
            Assert.Equal(2, h.Remote.Downloads);
            var shown = h.Engine.Transfers.Snapshot();
            Assert.Equal(2, shown.Count(t => t.Activity == "recalling"));
            Assert.Equal(3, shown.Count(t => t.Activity == TransferView.Queued));
            Assert.All(shown, t => Assert.Contains($"open by pid={Me} uid=1000", t.By));

            // One more would be a fourth in the queue: not started, EAGAIN at once.
            Assert.Equal(-Errno.EAGAIN, h.Open("f5", new Opener(Me, 1000, 1000)));
            Assert.Equal(2, h.Remote.Downloads);
            var state = await h.Run(TierOp.State, "f0");
            Assert.Matches(@"^released \((recalling 0%|queued for recall)\)$", state.State);
        }
        finally
        {
            go.SetResult();
            Assert.All(threads, t => Assert.True(t.Join(Bound), "an open did not return"));
            h.Remote.DownloadStarted = null;
        }
        Assert.All(results, r => Assert.Equal(0, r));
        Assert.Equal(5, h.Remote.Downloads);
        for (var i = 0; i < 5; i++) Assert.Equal(files[$"f{i}"], h.Read($"f{i}"));
        Assert.Empty(h.Engine.Transfers.Snapshot());
        Assert.Equal(new RecallLoad(0, 0, 2, 3), h.Engine.RecallQueue.Load);
        Assert.Equal(5, h.Journal.Recalls.Count);
    }

    [Fact]
    public async Task Openers_sharing_a_recall_leave_one_row_with_the_first_openers_cause_and_a_failed_recall_leaves_its_row()
    {
        using var h = Harness(new RecallConfig());
        var data = await Stub(h, "s.bin");
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Remote.DownloadStarted = _ => go.Task;
        int first = -1, second = -1;
        var a = new Thread(() => first = h.Open("s.bin", new Opener(Me, 1000, 100)));
        var b = new Thread(() => second = h.Open("s.bin", new Opener(1, 2000, 200)));
        try
        {
            a.Start();
            Await.Until(() => h.Engine.RecallsSharing(h.Key("s.bin")) == 1, Bound, "the first open waiting");
            b.Start();
            Await.Until(() => h.Engine.RecallsSharing(h.Key("s.bin")) == 2, Bound, "the second open sharing it");
        }
        finally
        {
            go.SetResult();
            Assert.True(a.Join(Bound) && b.Join(Bound), "an open did not return");
            h.Remote.DownloadStarted = null;
        }
        Assert.Equal((0, 0), (first, second));
        Assert.Equal(data, h.Read("s.bin"));
        var row = Assert.Single(h.Journal.Recalls);
        Assert.Equal(("open", Me, 1000u, 100u, MyCommand, (long)Size, "s.bin", null as string),
            (row.Trigger, row.Pid, row.Uid, row.Gid, row.Command, row.Bytes, row.Path, row.Error));
        Assert.Equal(h.Record("s.bin")!.FileId, row.FileId);
        Assert.True(row.Ended >= row.Started);

        // A failed recall is a row too, with what went wrong.
        await Stub(h, "bad.bin");
        h.Remote.CorruptStored(h.Record("bad.bin")!.ObjectKey!, 5);
        Assert.Equal(-Errno.EIO, h.Open("bad.bin", new Opener(Me, 1000, 100, RecallTrigger.Truncate)));
        var failed = h.Journal.Recalls.Last();
        Assert.Equal(("truncate", "bad.bin"), (failed.Trigger, failed.Path));
        Assert.Contains("checksum mismatch", failed.Error);
    }

    [Fact]
    public async Task A_queued_recall_whose_caller_gives_up_leaves_the_queue_and_the_next_runs_in_order()
    {
        var slots = new RecallSlots(() => 1, () => 10);
        using var a = slots.TryQueue(false)!;
        Assert.True(a.EnterAsync(default).IsCompletedSuccessfully);
        var b = slots.TryQueue(false)!;
        using var cts = new CancellationTokenSource();
        var bTurn = b.EnterAsync(cts.Token);
        using var c = slots.TryQueue(false)!;
        var cTurn = c.EnterAsync(default);
        Assert.Equal(new RecallLoad(1, 2, 1, 10), slots.Load);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => bTurn.WaitAsync(Bound));
        b.Dispose();
        Assert.Equal(new RecallLoad(1, 1, 1, 10), slots.Load);
        Assert.False(cTurn.IsCompleted);
        a.Dispose();
        await cTurn.WaitAsync(Bound);
        Assert.Equal(new RecallLoad(1, 0, 1, 10), slots.Load);
        // With no room to wait (max_queued 0), one recall runs and the next is turned away; root's
        // commands never are.
        var full = new RecallSlots(() => 1, () => 0);
        using var only = full.TryQueue(always: false)!;
        Assert.True(only.EnterAsync(default).IsCompletedSuccessfully);
        Assert.Null(full.TryQueue(always: false));
        using var root = full.TryQueue(always: true);
        Assert.NotNull(root);
    }

    [Fact]
    public async Task Many_openers_of_many_stubs_under_a_small_max_concurrent_all_get_their_bytes_and_each_recall_one_row()
    {
        const int files = 40;
        using var h = Harness(new RecallConfig { MaxConcurrent = 3 });
        h.Remote.Latency = TimeSpan.FromMilliseconds(2);
        var data = new byte[files][];
        for (var i = 0; i < files; i++) data[i] = await Stub(h, $"f{i}");
        var results = new int[files * 2];
        // Two openers per file, on threads of their own as FUSE workers.
        var threads = Enumerable.Range(0, files * 2).Select(i => new Thread(() => results[i] = h.Open($"f{i % files}", new Opener(Me, (uint)(1000 + i), 100)))).ToList();
        threads.ForEach(t => t.Start());
        Assert.All(threads, t => Assert.True(t.Join(Bound), "an open did not return"));
        Assert.All(results, r => Assert.Equal(0, r));
        Assert.InRange(h.Remote.MostDownloadsAtOnce, 1, 3);
        for (var i = 0; i < files; i++) Assert.Equal(data[i], h.Read($"f{i}"));
        Assert.Equal(files, h.Remote.Downloads);
        Assert.Equal(files, h.Journal.Recalls.Count);
        Assert.Equal(files, h.Journal.Recalls.Select(r => r.Path).Distinct().Count());
        Assert.All(h.Journal.Recalls, r => Assert.Null(r.Error));
        Assert.Equal(new RecallLoad(0, 0, 3, new RecallConfig().MaxQueued), h.Engine.RecallQueue.Load);
    }
}
