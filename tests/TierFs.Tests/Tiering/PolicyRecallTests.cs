using System.Security.Cryptography;
using TierFs.Posix;
using TierFs.Records;
using TierFs.Tests.Fakes;
using TierFs.Tiering.Config;
using TierFs.Tiering.Control;
using TierFs.Tiering.Engine;
using static TierFs.Tests.Tiering.TierEngineTests;

namespace TierFs.Tests.Tiering;

/// <summary>
/// The daemon's recall policy as the engine runs it (<see cref="TierEngine.RunForPolicyAsync"/> with
/// TierOp.Recall): the recall `tierfs recall` by root makes, accounted to the policy, only of released
/// stubs of this mount's remote tier, never refused by the recall rules, joined by a user's open.
/// </summary>
public sealed class PolicyRecallTests
{
    private const int Size = 200_000; // 4 parts of the fake's 64 KiB
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_released_stub_is_recalled_verified_and_accounted_to_the_policy_with_the_daemons_pid()
    {
        using var h = new EngineHarness();
        var data = RandomNumberGenerator.GetBytes(Size);
        await Released(h, "a.bin", data);
        var key = h.Key("a.bin");

        var landed = 0L;
        var r = await Recall(h, "a.bin", new Progress(n => Interlocked.Exchange(ref landed, n)));

        Assert.Equal((PolicyOutcome.Done, null, (long)Size, "archived"), (r.Outcome, r.Reason, r.Bytes, r.State));
        Assert.Equal(data, h.Read("a.bin"));
        Assert.Equal(StubRecord.StateArchived, h.Record("a.bin")!.State);
        Assert.Equal(1, h.Remote.Downloads);
        Assert.Equal(Size, Interlocked.Read(ref landed));
        var row = Assert.Single(h.Journal.Recalls);
        Assert.Equal(("policy", Environment.ProcessId, 0u, 0u, ProcessName.Of(Environment.ProcessId), (long)Size, (string?)null, "a.bin"),
            (row.Trigger, row.Pid, row.Uid, row.Gid, row.Command, row.Bytes, row.Error, row.Path));
        Assert.Contains(h.Journal.Entries, e => e.Op == "recall" && e.Error is null && e.Bytes == Size);
        // Not from inside a FUSE request: the kernel's cache is dropped before the job counts the file done.
        Assert.Contains((key, true), h.Mount.Invalidated);
    }

    [Fact]
    public async Task Only_a_released_stub_of_this_remote_is_recalled_never_a_lost_mismatched_or_foreign_one()
    {
        using var h = new EngineHarness();
        var data = RandomNumberGenerator.GetBytes(Size);
        h.Write("resident.bin", data);
        await Released(h, "lost.bin", data);
        h.SetRecord("lost.bin", h.Record("lost.bin")! with { State = StubRecord.StateLost });
        await Released(h, "foreign.bin", data);
        h.SetRecord("foreign.bin", h.Record("foreign.bin")! with { Remote = "s3://other/east/" });
        await Released(h, "mismatch.bin", data);
        File.SetLastWriteTimeUtc(h.PathOf("mismatch.bin"), DateTime.UtcNow.AddDays(-3));
        await Released(h, "archived.bin", data);
        Assert.Equal(0, h.Open("archived.bin"));
        var downloads = h.Remote.Downloads;
        var records = new[] { "lost.bin", "foreign.bin", "mismatch.bin" }.ToDictionary(n => n, n => h.Record(n));

        var why = new Dictionary<string, string?>();
        foreach (var name in new[] { "resident.bin", "lost.bin", "foreign.bin", "mismatch.bin", "archived.bin" })
        {
            var r = await Recall(h, name);
            Assert.True(r.Outcome == PolicyOutcome.Skipped, $"{name}: {r}");
            why[name] = r.Reason;
        }
        Assert.Equal("not a stub any more (resident)", why["resident.bin"]);
        Assert.Equal("not a released stub any more (lost)", why["lost.bin"]);
        Assert.Equal("not a released stub any more (mismatch)", why["mismatch.bin"]);
        Assert.Equal("not a released stub any more (archived)", why["archived.bin"]);
        Assert.Contains("archived to the remote tier s3://other/east/", why["foreign.bin"]);
        Assert.Equal(downloads, h.Remote.Downloads);
        Assert.DoesNotContain(h.Journal.Recalls, r => r.Trigger == "policy");
        foreach (var (name, record) in records)
        {
            Assert.Equal(record, h.Record(name));
            Assert.False(h.HoldsData(name), name);
        }
    }

    [Fact]
    public async Task The_recall_rules_never_refuse_it_and_a_full_queue_queues_it_in_turn()
    {
        var self = ProcessName.Of(Environment.ProcessId);
        using var h = new EngineHarness(config: new TierFsConfig
        {
            Remote = new RemoteConfig { DeleteGrace = TimeSpan.Zero },
            // Rules that refuse every open here (uid 0, this process's name), and room for one recall only.
            Recall = new RecallConfig { DenyUids = [0], DenyCommands = [self], MaxConcurrent = 1, MaxQueued = 0 },
        });
        var data = RandomNumberGenerator.GetBytes(Size);
        await Released(h, "busy.bin", data);
        await Released(h, "b.bin", data);
        Assert.Equal(-Errno.EPERM, h.Open("b.bin", new Opener(Environment.ProcessId, 0)));

        // One recall holds the only slot (a command's: root's, like the policy's) ...
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Remote.DownloadStarted = key => key == h.Record("busy.bin")!.ObjectKey ? go.Task : Task.CompletedTask;
        var busy = h.Run(TierOp.Recall, "busy.bin");
        Await.Until(() => h.Engine.RecallQueue.Load.Running == 1, Bound, "the first recall running");
        // ... so an opener would be turned away; the policy's recall waits for its turn instead.
        Assert.Equal(-Errno.EAGAIN, h.Open("b.bin", new Opener(1, 1000)));
        var recall = Recall(h, "b.bin");
        Await.Until(() => h.Engine.RecallQueue.Load.Queued == 1, Bound, "the policy's recall queued");
        Assert.False(recall.IsCompleted);

        go.SetResult();
        Assert.True((await busy.WaitAsync(Bound)).Ok);
        var r = await recall.WaitAsync(Bound);
        Assert.True(r.Outcome == PolicyOutcome.Done, r.ToString());
        Assert.Equal(data, h.Read("b.bin"));
        Assert.Equal(["command", "policy"], h.Journal.Recalls.Select(x => x.Trigger).Order());
    }

    [Fact]
    public async Task A_users_open_meanwhile_joins_the_policys_recall_one_download_both_get_the_data()
    {
        using var h = new EngineHarness();
        var data = RandomNumberGenerator.GetBytes(Size);
        await Released(h, "a.bin", data);
        var key = h.Key("a.bin");
        h.Mount.Open(key, write: false); // a handle open on the stub is no reason to skip it

        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Remote.DownloadStarted = _ => go.Task;
        var recall = Recall(h, "a.bin");
        Await.Until(() => h.Engine.RecallsSharing(key) == 1 && h.Remote.Downloads == 1, Bound, "the policy's recall downloading");
        var opened = -1;
        var user = new Thread(() => opened = h.Open("a.bin", new Opener(4242, 1000)));
        user.Start();
        Await.Until(() => h.Engine.RecallsSharing(key) == 2, Bound, "the user's open waiting for the policy's recall");
        // `tierfs status` shows it: the recall accounted to the policy, shared by the opener.
        var view = h.Engine.Transfers.For(key)!;
        Assert.Equal(("recalling", 2), (view.Activity, view.Sharing));
        Assert.StartsWith("policy by pid=", view.By);
        go.SetResult();

        var r = await recall.WaitAsync(Bound);
        Assert.True(user.Join(Bound), "the user's open did not return");
        Assert.True(r.Outcome == PolicyOutcome.Done, r.ToString());
        Assert.Equal(0, opened);
        Assert.Equal(data, h.Read("a.bin"));
        Assert.Equal(1, h.Remote.Downloads);
        Assert.Equal("policy", Assert.Single(h.Journal.Recalls).Trigger);
    }

    [Fact]
    public async Task A_failed_recall_is_a_failure_with_its_reason_and_the_stub_stays_as_it_was()
    {
        using var h = new EngineHarness();
        await Released(h, "gone.bin", RandomNumberGenerator.GetBytes(Size));
        var record = h.Record("gone.bin")!;
        var st = h.Stat("gone.bin");
        h.Remote.Remove(record.ObjectKey!);

        var r = await Recall(h, "gone.bin");

        Assert.Equal(PolicyOutcome.Failed, r.Outcome);
        Assert.False(string.IsNullOrEmpty(r.Reason));
        Assert.Equal(record, h.Record("gone.bin"));
        Assert.False(h.HoldsData("gone.bin"));
        Assert.Equal((st.Size, StubStore.Ns(st.Mtime)), (h.Stat("gone.bin").Size, StubStore.Ns(h.Stat("gone.bin").Mtime)));
        var row = Assert.Single(h.Journal.Recalls);
        Assert.Equal(("policy", r.Reason), (row.Trigger, row.Error));
    }

    [Fact]
    public async Task Stress_policy_recalls_racing_users_opens_over_many_cycles_with_a_forged_object_download_each_file_once_and_never_serve_a_wrong_byte()
    {
        const int Files = 10, Cycles = 8;
        using var h = new EngineHarness();
        h.Remote.Latency = TimeSpan.FromMilliseconds(1); // every call yields: the policy and the users meet
        var data = Enumerable.Range(0, Files).Select(_ => RandomNumberGenerator.GetBytes(Size)).ToArray();
        var names = Enumerable.Range(0, Files).Select(i => $"f{i}.bin").ToArray();
        for (var i = 0; i < Files; i++) await Released(h, names[i], data[i]);
        var keys = names.Select(n => h.Record(n)!.ObjectKey!).ToArray();
        var downloads = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        h.Remote.DownloadStarted = key =>
        {
            downloads.AddOrUpdate(key, 1, (_, n) => n + 1);
            return Task.CompletedTask;
        };
        var random = new Random(12);
        for (var cycle = 0; cycle < Cycles; cycle++)
        {
            downloads.Clear();
            var rows = h.Journal.Recalls.Count;
            // Odd cycles: one object is forged behind TierFs's back (a byte changed): its recall must fail, whoever asks.
            var forged = cycle % 2 == 1 ? random.Next(Files) : -1;
            var at = random.Next(Size);
            if (forged >= 0) h.Remote.CorruptStored(keys[forged], at);
            var stubs = names.Select(n => h.Record(n)!).ToArray();

            var opened = new int[Files];
            var users = Enumerable.Range(0, Files).OrderBy(_ => random.Next()).Select(i => new Thread(() => opened[i] = h.Open(names[i], new Opener(5000 + i, 1000)))).ToList();
            var policy = Task.WhenAll(names.Select(n => Task.Run(() => Recall(h, n))));
            users.ForEach(u => u.Start());
            var results = await policy.WaitAsync(Bound);
            Assert.All(users, u => Assert.True(u.Join(Bound), "a user's open did not return"));

            for (var i = 0; i < Files; i++)
            {
                var why = $"cycle {cycle}, {names[i]}: {results[i]}, open {opened[i]}";
                if (i == forged)
                {
                    Assert.True(results[i].Outcome == PolicyOutcome.Failed, why);
                    Assert.Equal(-Errno.EIO, opened[i]);
                    Assert.Equal(stubs[i], h.Record(names[i]));
                    Assert.False(h.HoldsData(names[i]), why);
                    continue;
                }
                Assert.True(results[i].Outcome == PolicyOutcome.Done ||
                            results[i] is { Outcome: PolicyOutcome.Skipped, Reason: "not a released stub any more (archived)" }, why);
                Assert.Equal(0, opened[i]);
                Assert.Equal(data[i], h.Read(names[i]));
                Assert.Equal(1, downloads.GetValueOrDefault(keys[i]));
            }
            // One row per recall: every download is one.
            Assert.Equal(downloads.Values.Sum(), h.Journal.Recalls.Count - rows);

            if (forged >= 0) h.Remote.CorruptStored(keys[forged], at); // the byte flipped back: a good stub again
            for (var i = 0; i < Files; i++)
            {
                if (i == forged) continue;
                var r = await h.Run(TierOp.Release, names[i]);
                Assert.True(r.Ok, $"cycle {cycle}, release {names[i]}: {r.Error}");
            }
        }
    }

    private static Task<PolicyFileResult> Recall(EngineHarness h, string name, IProgress<long>? progress = null) =>
        h.Engine.RunForPolicyAsync(name, h.Key(name), TierOp.Recall, TimeSpan.FromHours(1), progress, CancellationToken.None);

    /// <summary>Reports on the reporting thread (System.Progress would post to the pool, after the test looked).</summary>
    private sealed class Progress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
