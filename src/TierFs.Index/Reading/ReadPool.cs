using System.Collections.Concurrent;
using TierFs.Index.Storage;

namespace TierFs.Index.Reading;

/// <summary>
/// Reader connections, one per concurrent reader, kept for reuse: WAL lets them read while the
/// writer commits. A few are kept idle; a burst beyond that opens and closes extra ones.
/// </summary>
internal sealed class ReadPool(string path, TimeSpan busyTimeout) : IDisposable
{
    private const int MaxIdle = 8;

    private readonly ConcurrentBag<ReadSession> _idle = [];
    private int _disposed;

    public T Use<T>(Func<ReadSession, T> query)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var session = _idle.TryTake(out var s) ? s : OpenSession();
        T result;
        try
        {
            result = query(session);
        }
        catch
        {
            session.Dispose(); // its connection may be what failed
            throw;
        }
        Return(session);
        return result;
    }

    private ReadSession OpenSession()
    {
        var connection = IndexConnection.Open(path, busyTimeout, readOnly: true);
        try
        {
            return new ReadSession(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private void Return(ReadSession session)
    {
        if (_idle.Count >= MaxIdle)
        {
            session.Dispose();
            return;
        }
        _idle.Add(session);
        if (Volatile.Read(ref _disposed) != 0) Drain(); // closed while we read
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Drain();
    }

    private void Drain()
    {
        while (_idle.TryTake(out var session)) session.Dispose();
    }
}
