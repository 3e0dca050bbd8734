using System.Runtime.ExceptionServices;
using Microsoft.Win32.SafeHandles;

namespace TierFs.Remote;

/// <summary>
/// Fetches every part of a verified object into a file, a few in flight, and reports each part as
/// it lands verified (<see cref="WhenVerified"/>, and the callback given): the shape of a streaming
/// recall, whose reader is served a part as soon as it is there. Parts go in part order unless a
/// reader needs another first (<see cref="Prioritize"/>). The first failure stops the fetch; every
/// part not verified by then fails with it.
/// Latency for the reader, bandwidth for the rest: the fetch starts with one part alone (a reader
/// that opened the file usually reads its start next), and the other workers join once its first
/// bytes have landed verified (the first leaf of its lead tree, else the whole part); a part a
/// reader waits for that is not in flight yet starts at once, beside the workers, and while it is
/// in flight the workers' parts are held back between chunks (at most <see cref="MaxHold"/> at a
/// time, so that no transfer idles into its server's timeout).
/// </summary>
public sealed class PartFetch
{
    /// <summary>The longest a worker's transfer waits, per chunk, for an urgent part to land.</summary>
    public static readonly TimeSpan MaxHold = TimeSpan.FromSeconds(1);

    private readonly VerifiedReader _reader;
    private readonly SafeFileHandle _target;
    private readonly int _concurrency;
    private readonly Action<int>? _partVerified;
    private readonly Lock _gate = new();
    private readonly LinkedList<int> _queue = new();
    private readonly LinkedListNode<int>?[] _queued;
    private readonly TaskCompletionSource[] _parts;
    private readonly List<Task> _urgentTasks = [];
    private readonly TaskCompletionSource _firstLanded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _calm = Calm();
    private int _urgentInFlight;
    private long _leadThrough; // bytes of the first part verified leaf by leaf (its LeadTree), before the whole part is
    private TaskCompletionSource? _leadAdvanced;
    private CancellationTokenSource? _stop; // set while running
    private ExceptionDispatchInfo? _failure;
    private int _started;

    /// <param name="reader">The object, bound to its record.</param>
    /// <param name="target">Written at each part's own offset (the object's bytes at the same offsets of the file).</param>
    /// <param name="concurrency">Parts in flight (1-64), urgent ones aside.</param>
    /// <param name="partVerified">Called with each part's index once its bytes are in the file and verified (on a worker; must not block for long).</param>
    public PartFetch(VerifiedReader reader, SafeFileHandle target, int concurrency, Action<int>? partVerified = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(concurrency, 64);
        _reader = reader;
        _target = target;
        _concurrency = concurrency;
        _partVerified = partVerified;
        var count = reader.Plan.Count;
        _queued = new LinkedListNode<int>?[count];
        _parts = new TaskCompletionSource[count];
        for (var i = 0; i < count; i++)
        {
            _queued[i] = _queue.AddLast(i);
            _parts[i] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public PartPlan Plan => _reader.Plan;

    /// <summary>Completes when part <paramref name="index"/> is in the file and verified; fails with the fetch's failure.</summary>
    public Task WhenVerified(int index) => _parts[index].Task;

    public bool IsVerified(int index) => _parts[index].Task.IsCompletedSuccessfully;

    /// <summary>
    /// Completes when bytes [0, <paramref name="through"/>) of part <paramref name="index"/> are in the
    /// file and verified: for the first part of an object with a lead tree, as soon as the leaves
    /// holding them have landed; otherwise when the whole part has (<see cref="WhenVerified(int)"/>).
    /// </summary>
    public async Task WhenVerified(int index, long through)
    {
        var whole = _parts[index].Task;
        if (_reader.HasLeaves(index))
            while (!whole.IsCompleted)
            {
                Task advanced;
                lock (_gate)
                {
                    if (_leadThrough >= through) return;
                    advanced = (_leadAdvanced ??= new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
                }
                await Task.WhenAny(whole, advanced).ConfigureAwait(false);
            }
        await whole.ConfigureAwait(false);
    }

    /// <summary>
    /// A reader needs byte <paramref name="offset"/>. Before the fetch runs, its part goes to the front
    /// of the queue; while it runs, the part starts at once. False when that part is already being
    /// fetched or done (nothing to move).
    /// </summary>
    public bool Prioritize(long offset)
    {
        var index = _reader.PartOf(offset);
        CancellationTokenSource stop;
        lock (_gate)
        {
            if (_queued[index] is not { } node) return false;
            _queue.Remove(node);
            if (_stop is null || _stop.IsCancellationRequested)
            {
                _queue.AddFirst(node);
                return true;
            }
            _queued[index] = null;
            if (_urgentInFlight++ == 0) _calm = Calm();
            stop = _stop;
            _urgentTasks.Add(Task.Run(async () =>
            {
                try { await FetchAsync(index, stop, pace: null).ConfigureAwait(false); }
                finally
                {
                    lock (_gate)
                        if (--_urgentInFlight == 0) _calm.TrySetResult();
                }
            }));
        }
        return true;
    }

    /// <summary>Fetches every part; returns when all are verified, or throws the first failure (or the cancellation). Once.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0) throw new InvalidOperationException("a part fetch runs once");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        lock (_gate) _stop = stop;

        async Task Worker()
        {
            while (!stop.IsCancellationRequested && Next() is { } i)
                if (!await FetchAsync(i, stop, Pace).ConfigureAwait(false)) return;
        }

        var workers = new List<Task> { Task.Run(Worker) };
        var others = Math.Min(_concurrency, Plan.Count) - 1;
        if (others > 0)
            workers.Add(Task.Run(async () =>
            {
                await _firstLanded.Task.WaitAsync(stop.Token).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
                await Task.WhenAll(Enumerable.Range(0, others).Select(_ => Task.Run(Worker))).ConfigureAwait(false);
            }));
        await Task.WhenAll(workers).ConfigureAwait(false);
        Task[] urgent;
        lock (_gate)
        {
            _stop = null; // no part starts any more
            urgent = [.. _urgentTasks];
        }
        await Task.WhenAll(urgent).ConfigureAwait(false);
        var first = Volatile.Read(ref _failure);
        if (first is null && !ct.IsCancellationRequested) return;
        var failure = first?.SourceException ?? new OperationCanceledException(ct);
        foreach (var part in _parts) part.TrySetException(failure);
        first?.Throw();
        ct.ThrowIfCancellationRequested();
    }

    /// <summary>One part into the file; false when the fetch stops (this part failed, another did, or the caller cancelled).</summary>
    private async Task<bool> FetchAsync(int i, CancellationTokenSource stop, Func<CancellationToken, ValueTask>? pace)
    {
        try
        {
            await _reader.ReadPartAsync(i, _target, Plan.OffsetOf(i), stop.Token, pace, _reader.HasLeaves(i) ? LeadLanded : null).ConfigureAwait(false);
            _parts[i].TrySetResult();
            _firstLanded.TrySetResult();
            _partVerified?.Invoke(i);
            return true;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return false; // another part failed, or the caller cancelled
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);
            await stop.CancelAsync().ConfigureAwait(false);
            return false;
        }
    }

    private void LeadLanded(long through)
    {
        TaskCompletionSource? advanced;
        lock (_gate)
        {
            _leadThrough = through;
            (advanced, _leadAdvanced) = (_leadAdvanced, null);
        }
        advanced?.TrySetResult();
        _firstLanded.TrySetResult();
    }

    /// <summary>A worker's part waits (a bounded while) as long as a part a reader waits for is in flight.</summary>
    private ValueTask Pace(CancellationToken ct)
    {
        Task calm;
        lock (_gate)
        {
            if (_urgentInFlight == 0) return ValueTask.CompletedTask;
            calm = _calm.Task;
        }
        return new ValueTask(calm.WaitAsync(MaxHold, ct).ContinueWith(t => ct.ThrowIfCancellationRequested(), TaskScheduler.Default));
    }

    private static TaskCompletionSource Calm() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private int? Next()
    {
        lock (_gate)
        {
            if (_queue.First is not { } node) return null;
            _queue.RemoveFirst();
            _queued[node.Value] = null;
            return node.Value;
        }
    }
}
