using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using TierFs.Common;

namespace TierFs.Index.Writing;

/// <summary>
/// The index's only writer: callers queue writes and return at once; one loop commits them in
/// transactions of up to <see cref="IndexOptions.MaxBatch"/> writes, each committed at most
/// <see cref="IndexOptions.MaxDelay"/> after its first write was queued (sooner on a flush).
/// A transaction per write would cost a WAL commit each; batches make them nearly free.
/// </summary>
internal sealed class BatchWriter : IDisposable
{
    private const string Source = "index";
    private const int BatchAttempts = 3;
    /// <summary>An idle task waits at most this long for the queue to empty, then runs between two batches.</summary>
    private const long IdleWaitMs = 1000;

    private readonly SqliteConnection _connection;
    private readonly WriteStatements _statements;
    private readonly Channel<IndexWrite> _queue;
    private readonly IndexOptions _options;
    private readonly string _path;
    private readonly List<IndexWrite> _batch = [];
    private readonly List<FlushRequest> _flushes = [];
    private ConnectionTask? _task;
    private readonly Queue<IdleTask> _idle = new();
    private readonly Task _loop;
    private Exception? _failureSinceFlush;
    private long _transactions;
    private long _committed;
    private long _dropped;
    private int _disposed;

    public BatchWriter(SqliteConnection connection, IndexOptions options, string path)
    {
        _connection = connection;
        _options = options;
        _path = path;
        _statements = new WriteStatements(connection);
        _queue = Channel.CreateBounded<IndexWrite>(new BoundedChannelOptions(options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Transactions committed so far (tests check that writes are batched).</summary>
    internal long Transactions => Interlocked.Read(ref _transactions);
    internal long Committed => Interlocked.Read(ref _committed);
    /// <summary>Writes given up after every retry failed (each is logged).</summary>
    internal long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Queues a write; waits only while the queue is full.</summary>
    public void Enqueue(IndexWrite write)
    {
        if (_queue.Writer.TryWrite(write)) return;
        try
        {
            _queue.Writer.WriteAsync(write).AsTask().GetAwaiter().GetResult();
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(TierIndex), $"the index {_path} is closed");
        }
    }

    /// <summary>Waits until every write queued before this call is committed; throws if any since the last flush could not be.</summary>
    public void Flush() => FlushAsync().GetAwaiter().GetResult();

    /// <summary><see cref="Flush"/> without holding a thread while the commit is under way.</summary>
    public Task FlushAsync()
    {
        var request = new FlushRequest();
        Enqueue(request);
        return request.Done.Task;
    }

    /// <summary>
    /// Runs <paramref name="action"/> on the writer's connection, outside any transaction, once
    /// every write queued before it is committed, and waits for it (its exception is rethrown).
    /// </summary>
    public void Run(Action<SqliteConnection> action)
    {
        var task = new ConnectionTask(action);
        Enqueue(task);
        task.Done.Task.GetAwaiter().GetResult();
    }

    /// <summary>
    /// Queues <paramref name="action"/> to run on the writer's connection, outside any transaction,
    /// once no write is waiting (or after a second at the latest), without waiting for it; its
    /// failure is logged. For housekeeping nobody should wait for, such as a checkpoint.
    /// </summary>
    public void WhenIdle(Action<SqliteConnection> action) => Enqueue(new IdleTask(action));

    /// <summary>Commits what is queued, then stops the loop.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _queue.Writer.TryComplete();
        _loop.GetAwaiter().GetResult(); // never faults: the loop catches and logs
        _statements.Dispose();
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                await GatherAsync(reader).ConfigureAwait(false);
                if (_batch.Count > 0) Commit();
                RunTask();
                ReleaseFlushes();
                RunIdleTasks(reader);
            }
        }
        catch (Exception e)
        {
            // Not a failed write (those are handled in Commit) but a broken writer: refuse new
            // writes and release every waiter rather than let a flush hang.
            Log.Error(Source, $"{_path}: the index writer failed; further writes are refused", e);
            _queue.Writer.TryComplete(e);
            var failure = new IndexException($"{_path}: the index writer failed: {e.Message}", e);
            foreach (var flush in _flushes) flush.Done.TrySetException(failure);
            _task?.Done.TrySetException(failure);
            while (reader.TryRead(out var write))
            {
                if (write is FlushRequest flush) flush.Done.TrySetException(failure);
                if (write is ConnectionTask task) task.Done.TrySetException(failure);
            }
        }
    }

    /// <summary>Takes writes into the batch until it is full, its time is up, a flush or a task asks for it, or the queue closes.</summary>
    private async Task GatherAsync(ChannelReader<IndexWrite> reader)
    {
        var deadline = Environment.TickCount64 + (long)_options.MaxDelay.TotalMilliseconds;
        while (true)
        {
            while (_batch.Count < _options.MaxBatch && reader.TryRead(out var write))
            {
                if (write is FlushRequest flush)
                {
                    _flushes.Add(flush);
                    return;
                }
                if (write is ConnectionTask task)
                {
                    _task = task;
                    return;
                }
                if (write is IdleTask idle)
                {
                    _idle.Enqueue(idle);
                    continue;
                }
                _batch.Add(write);
            }
            var left = deadline - Environment.TickCount64;
            if (_batch.Count >= _options.MaxBatch || left <= 0) return;
            using var timer = new CancellationTokenSource(TimeSpan.FromMilliseconds(left));
            try
            {
                if (!await reader.WaitToReadAsync(timer.Token).ConfigureAwait(false)) return;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Commit()
    {
        Exception? last = null;
        for (var attempt = 1; attempt <= BatchAttempts; attempt++)
        {
            try
            {
                Apply(_batch);
                Interlocked.Add(ref _committed, _batch.Count);
                _batch.Clear();
                return;
            }
            catch (Exception e) when (e is SqliteException or InvalidOperationException)
            {
                last = e;
                Log.Warn(Source, $"{_path}: committing {_batch.Count} writes failed (attempt {attempt} of {BatchAttempts}): {e.Message}");
                Thread.Sleep(50 * attempt);
            }
        }
        // The batch keeps failing: commit what can be, one write at a time, so that one bad
        // write does not take the others with it. Only here is a transaction per write.
        foreach (var write in _batch)
        {
            try
            {
                Apply([write]);
                Interlocked.Increment(ref _committed);
            }
            catch (Exception e) when (e is SqliteException or InvalidOperationException)
            {
                last = e;
                Interlocked.Increment(ref _dropped);
                Log.Error(Source, $"{_path}: dropped the index write '{write}': {e.Message}");
            }
        }
        _failureSinceFlush = last;
        _batch.Clear();
    }

    private void Apply(List<IndexWrite> writes)
    {
        using var tx = _connection.BeginTransaction(deferred: false);
        _statements.Enlist(tx);
        try
        {
            foreach (var write in writes) write.Apply(_statements);
            tx.Commit();
            Interlocked.Increment(ref _transactions);
        }
        finally
        {
            _statements.Enlist(null);
        }
    }

    private void RunTask()
    {
        if (_task is not { } task) return;
        _task = null;
        try
        {
            task.Action(_connection);
            task.Done.TrySetResult();
        }
        catch (Exception e)
        {
            task.Done.TrySetException(e);
        }
    }

    private void RunIdleTasks(ChannelReader<IndexWrite> reader)
    {
        while (_idle.TryPeek(out var idle))
        {
            if (reader.TryPeek(out _) && Environment.TickCount64 - idle.QueuedAtMs < IdleWaitMs) return;
            _idle.Dequeue();
            try
            {
                idle.Action(_connection);
            }
            catch (Exception e) when (e is SqliteException or InvalidOperationException)
            {
                Log.Warn(Source, $"{_path}: {e.Message}");
            }
        }
    }

    private void ReleaseFlushes()
    {
        if (_flushes.Count == 0) return;
        var failure = _failureSinceFlush;
        _failureSinceFlush = null;
        foreach (var flush in _flushes)
        {
            if (failure is null) flush.Done.TrySetResult();
            else flush.Done.TrySetException(new IndexException($"{_path}: some index writes could not be committed: {failure.Message}", failure));
        }
        _flushes.Clear();
    }
}
