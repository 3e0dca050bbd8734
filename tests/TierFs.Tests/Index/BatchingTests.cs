using TierFs.Index;
using TierFs.Records;

namespace TierFs.Tests.Index;

public class BatchingTests : IDisposable
{
    private readonly IndexTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Ten_thousand_upserts_commit_in_a_few_transactions()
    {
        using var index = _files.Open();
        for (ulong i = 1; i <= 10_000; i++) index.Upsert(SampleRows.Stub(i));
        index.Flush();

        Assert.Equal(10_000, index.CommittedWrites);
        // 4096 per batch at most, one batch per 200 ms at least: 3 when the loop is quick,
        // a few more on a slow machine, never anything near one per write.
        Assert.InRange(index.CommittedTransactions, 3, 20);
        Assert.Equal(10_000, index.LoadByState(StubRecord.StateReleased).Count);
    }

    [Fact]
    public void A_full_batch_is_committed_without_waiting_for_its_time()
    {
        using var index = _files.Open(IndexTestFiles.HoldWrites with { MaxBatch = 100 });
        for (ulong i = 1; i <= 10_000; i++) index.Upsert(SampleRows.Stub(i));
        index.Flush();
        Assert.Equal(100, index.CommittedTransactions);
    }

    [Fact]
    public void Writes_are_visible_only_once_committed_and_Flush_commits_them()
    {
        using var index = _files.Open(IndexTestFiles.HoldWrites);
        var row = SampleRows.Stub(1);
        index.Upsert(row);
        index.EnqueueDelete("k", 1, "unlink", null);
        index.AppendLog(new OpLogEntry { AtMs = 1, Op = OpLogEntry.OpArchive });

        Assert.Null(index.Get(row.Key));
        Assert.Equal(0, index.CountPendingDeletes());
        Assert.Empty(index.RecentLog(10));
        Assert.Equal(0, index.CommittedTransactions);

        index.Flush();
        Assert.Equal(row, index.Get(row.Key));
        Assert.Equal(1, index.CountPendingDeletes());
        Assert.Single(index.RecentLog(10));
        Assert.Equal(1, index.CommittedTransactions); // the three writes, one transaction

        index.Flush(); // nothing queued: no empty transaction
        Assert.Equal(1, index.CommittedTransactions);
    }

    [Fact]
    public void A_write_is_committed_within_the_delay_without_a_flush()
    {
        using var index = _files.Open(new IndexOptions { MaxDelay = TimeSpan.FromMilliseconds(50) });
        var row = SampleRows.Stub(1);
        index.Upsert(row);
        var deadline = DateTime.UtcNow.AddSeconds(10); // generous: a loaded machine may be slow
        while (index.Get(row.Key) is null && DateTime.UtcNow < deadline) Thread.Sleep(10);
        Assert.Equal(row, index.Get(row.Key));
    }

    [Fact]
    public async Task An_idle_task_runs_once_nothing_is_queued_and_a_flush_does_not_wait_for_it()
    {
        using var index = _files.Open(IndexTestFiles.HoldWrites);
        using var gate = new ManualResetEventSlim();
        var seen = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var row = SampleRows.Stub(1);
        index.Upsert(row);
        index.WhenIdle(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM tier";
            seen.SetResult((long)command.ExecuteScalar()!);
            gate.Wait(TimeSpan.FromSeconds(30));
        });
        index.Upsert(SampleRows.Stub(2));

        // Both writes are committed and the flush released while the idle task holds the writer.
        // (a TimeoutException if the flush waited for the idle task, or the task never ran)
        await Task.Run(index.Flush).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, await seen.Task.WaitAsync(TimeSpan.FromSeconds(10))); // the write queued after it too
        gate.Set();
        index.Flush();
        Assert.NotNull(index.Get(SampleRows.Stub(2).Key));
    }

    [Fact]
    public void Writes_in_order_apply_in_order_within_a_batch()
    {
        using var index = _files.Open(IndexTestFiles.HoldWrites);
        var row = SampleRows.Stub(1);
        index.Upsert(row);
        index.Remove(row.Key);
        index.Upsert(row with { Path = "second" });
        index.SetPair(row.Key, "other");
        index.Flush();
        Assert.Equal(row.With(r => r with { Pair = "other" }) with { Path = "second" }, index.Get(row.Key));
    }

    [Fact]
    public async Task Concurrent_writers_and_readers_lose_nothing()
    {
        const int threads = 8, perThread = 2_000;
        using var index = _files.Open();
        using var start = new Barrier(threads + 1);
        var writers = Enumerable.Range(0, threads).Select(t => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < perThread; i++)
            {
                var ino = (ulong)(t * perThread + i + 1);
                index.Upsert(SampleRows.Stub(ino));
                if (i % 10 == 0) index.AppendLog(new OpLogEntry { AtMs = i, Op = OpLogEntry.OpRelease, Path = $"t{t}/{i}" });
                if (i % 100 == 0) index.EnqueueDelete($"t{t}/{i}", i, "unlink", null);
                if (i % 500 == 0) index.Flush(); // several flushers at once
            }
        }, TaskCreationOptions.LongRunning)).ToList();
        var reader = Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            while (!writers.All(w => w.IsCompleted))
            {
                var row = index.Get(new FileKey(0x803, 1));
                if (row is not null) Assert.Equal(SampleRows.Stub(1), row);
                index.DueDeletes(long.MaxValue, 5);
            }
        }, TaskCreationOptions.LongRunning);
        await Task.WhenAll([.. writers, reader]);
        index.Flush();

        Assert.Equal(threads * perThread, index.LoadByState(StubRecord.StateReleased).Count);
        Assert.Equal(threads * perThread / 10, index.RecentLog(100_000).Count);
        Assert.Equal(threads * perThread / 100, index.CountPendingDeletes());
        Assert.True(index.CommittedTransactions < index.CommittedWrites / 20,
            $"{index.CommittedTransactions} transactions for {index.CommittedWrites} writes");
    }

    [Fact]
    public void Writes_that_cannot_be_committed_are_reported_by_Flush_and_the_writer_goes_on()
    {
        using var index = _files.Open(new IndexOptions { BusyTimeout = TimeSpan.FromMilliseconds(100) });
        index.Upsert(SampleRows.Stub(1));
        index.Flush();

        // Another process holds the write lock longer than the busy timeout.
        using (var other = IndexTestFiles.Raw(_files.DbPath))
        using (other.BeginTransaction(deferred: false))
        {
            index.Upsert(SampleRows.Stub(2));
            var e = Assert.Throws<IndexException>(index.Flush);
            Assert.Contains(_files.DbPath, e.Message);
            Assert.Equal(SampleRows.Stub(1), index.Get(new FileKey(0x803, 1))); // reads still work
        }

        index.Upsert(SampleRows.Stub(3));
        index.Flush(); // the failure was reported once; the writer works again
        Assert.NotNull(index.Get(new FileKey(0x803, 3)));
        Assert.Null(index.Get(new FileKey(0x803, 2)));
    }

    [Fact]
    public async Task FlushAsync_completes_once_the_writes_before_it_are_committed_and_reports_what_could_not_be()
    {
        using var index = _files.Open(new IndexOptions { BusyTimeout = TimeSpan.FromSeconds(30) });
        Task flushed;
        using (var other = IndexTestFiles.Raw(_files.DbPath))
        using (other.BeginTransaction(deferred: false))
        {
            index.Upsert(SampleRows.Stub(1));
            flushed = index.FlushAsync();
            // Another process holds the write lock: the commit waits, and so does the flush.
            Assert.NotSame(flushed, await Task.WhenAny(flushed, Task.Delay(300)));
        }
        await flushed.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(SampleRows.Stub(1), index.Get(new FileKey(0x803, 1)));

        using var quick = new IndexTestFiles();
        using var failing = quick.Open(new IndexOptions { BusyTimeout = TimeSpan.FromMilliseconds(100) });
        using (var other = IndexTestFiles.Raw(quick.DbPath))
        using (other.BeginTransaction(deferred: false))
        {
            failing.Upsert(SampleRows.Stub(2));
            var e = await Assert.ThrowsAsync<IndexException>(() => failing.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains(quick.DbPath, e.Message);
        }
    }

    [Fact]
    public void A_closed_index_refuses_reads_and_writes()
    {
        var index = _files.Open();
        index.Dispose();
        index.Dispose(); // twice is harmless
        Assert.Throws<ObjectDisposedException>(() => index.Upsert(SampleRows.Stub(1)));
        Assert.Throws<ObjectDisposedException>(() => index.Flush());
        Assert.Throws<ObjectDisposedException>(() => index.Get(new FileKey(1, 1)));
    }
}
