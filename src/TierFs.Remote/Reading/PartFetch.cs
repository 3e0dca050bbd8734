using System.Runtime.ExceptionServices;
using Microsoft.Win32.SafeHandles;

namespace TierFs.Remote;

/// <summary>
/// Fetches every part of a verified object into a file, a few in flight, and reports each part as
/// it lands verified (<see cref="WhenVerified"/>, and the callback given): the shape of a streaming
/// recall, whose reader is served a part as soon as it is there. Parts go in part order unless a
/// reader needs another first: <see cref="Prioritize"/> moves the part holding an offset to the
/// front of the queue. The first failure stops the fetch; every part not verified by then fails with it.
/// </summary>
public sealed class PartFetch
{
    private readonly VerifiedReader _reader;
    private readonly SafeFileHandle _target;
    private readonly int _concurrency;
    private readonly Action<int>? _partVerified;
    private readonly Lock _gate = new();
    private readonly LinkedList<int> _queue = new();
    private readonly LinkedListNode<int>?[] _queued;
    private readonly TaskCompletionSource[] _parts;
    private int _started;

    /// <param name="reader">The object, bound to its record.</param>
    /// <param name="target">Written at each part's own offset (the object's bytes at the same offsets of the file).</param>
    /// <param name="concurrency">Parts in flight (1-64).</param>
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
    /// A reader needs byte <paramref name="offset"/>: its part goes to the front of the queue. False
    /// when that part is already being fetched or done (nothing to move).
    /// </summary>
    public bool Prioritize(long offset)
    {
        var index = _reader.PartOf(offset);
        lock (_gate)
        {
            if (_queued[index] is not { } node) return false;
            _queue.Remove(node);
            _queue.AddFirst(node);
            return true;
        }
    }

    /// <summary>Fetches every part; returns when all are verified, or throws the first failure (or the cancellation). Once.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0) throw new InvalidOperationException("a part fetch runs once");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        ExceptionDispatchInfo? first = null;

        async Task Worker()
        {
            while (!stop.IsCancellationRequested && Next() is { } i)
            {
                try
                {
                    await _reader.ReadPartAsync(i, _target, Plan.OffsetOf(i), stop.Token).ConfigureAwait(false);
                    _parts[i].TrySetResult();
                    _partVerified?.Invoke(i);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return; // another part failed, or the caller cancelled
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref first, ExceptionDispatchInfo.Capture(e), null);
                    await stop.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }

        var workers = Enumerable.Range(0, Math.Min(_concurrency, Plan.Count)).Select(_ => Task.Run(Worker)).ToArray();
        await Task.WhenAll(workers).ConfigureAwait(false);
        if (first is null && !ct.IsCancellationRequested) return;
        var failure = first?.SourceException ?? new OperationCanceledException(ct);
        foreach (var part in _parts) part.TrySetException(failure);
        first?.Throw();
        ct.ThrowIfCancellationRequested();
    }

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
