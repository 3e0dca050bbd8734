using System.Collections.Concurrent;
using TierFs.Index.Storage;

namespace TierFs.Index.Reading;

/// <summary>
/// Reader connections, one per concurrent reader, kept for reuse: WAL lets them read while the
/// writer commits. A few are kept idle; a burst beyond that opens and closes extra ones. Each
/// query counts as a user of the file (<see cref="FileUsers"/>): closing the index waits for the
/// queries under way and refuses new ones, then closes the idle connections.
/// </summary>
internal sealed class ReadPool(string path, TimeSpan busyTimeout, FileUsers users) : IDisposable
{
    private const int MaxIdle = 8;

    private readonly ConcurrentBag<ReadSession> _idle = [];
    private int _disposed;

    public T Use<T>(Func<ReadSession, T> query)
    {
        users.Enter();
        try
        {
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
        finally
        {
            users.Leave();
        }
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
    }

    /// <summary>Closes the idle connections; call once no query can run (after <see cref="FileUsers.CloseAndWait"/>).</summary>
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
