using System.Collections.Concurrent;

namespace TierFs.Scan;

/// <summary>
/// The directories still to read, shared by the scan's threads (as GUFI's dir2index does). The
/// walk is over when no directory is queued and none is being read: then every waiting thread
/// is released.
/// </summary>
internal sealed class WorkQueue<T>(int workers)
{
    private readonly ConcurrentQueue<T> _items = new();
    private readonly SemaphoreSlim _available = new(0);
    private long _pending;
    private volatile bool _finished;
    private volatile bool _stopped;

    public void Add(T item)
    {
        if (_stopped) return;
        Interlocked.Increment(ref _pending);
        _items.Enqueue(item);
        _available.Release();
    }

    /// <summary>Waits for the next directory; false once the walk is over.</summary>
    public bool TryTake(out T item)
    {
        while (true)
        {
            _available.Wait();
            if (_items.TryDequeue(out item!)) return true;
            if (_finished) return false;
        }
    }

    /// <summary>One directory taken with <see cref="TryTake"/> is done (its subdirectories already added).</summary>
    public void Done()
    {
        if (Interlocked.Decrement(ref _pending) != 0) return;
        _finished = true;
        _available.Release(workers);
    }

    /// <summary>Stops the walk: queued directories are dropped, threads finish their current one.</summary>
    public void Stop()
    {
        _stopped = true;
        while (_items.TryDequeue(out _)) Interlocked.Decrement(ref _pending);
        _finished = true;
        _available.Release(workers);
    }
}
