using Microsoft.Data.Sqlite;
using TierFs.Common;

namespace TierFs.Index.Storage;

/// <summary>
/// Who uses the index file besides the writer: a reader's query, a lookup or a cut a caller holds,
/// a copy beside the writer. Closing the index refuses new users and waits for the last one, so
/// that once it is closed none of its connections touches the file again: a state directory
/// removed after an unmount stays gone, and an index opened again there is the only one on it.
/// </summary>
internal sealed class FileUsers(string path)
{
    /// <summary>While close waits this long for a user, it says so in the log, once per period.</summary>
    private static readonly TimeSpan WarnEvery = TimeSpan.FromSeconds(10);

    /// <summary>The longest close waits for its users.</summary>
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(60);

    // Monitor, not Lock: close waits on it for the last user to leave.
    private readonly object _gate = new();
    private int _count;
    private bool _closed;

    /// <summary>Counts a user in; throws <see cref="ObjectDisposedException"/> once the index is closed.</summary>
    public void Enter()
    {
        lock (_gate)
        {
            if (_closed) throw new ObjectDisposedException(nameof(TierIndex), $"the index {path} is closed");
            _count++;
        }
    }

    public void Leave()
    {
        lock (_gate)
        {
            if (--_count == 0 && _closed) Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Opens a connection that counts as a user until it is disposed.</summary>
    public SqliteConnection Open(Func<SqliteConnection> open)
    {
        Enter();
        SqliteConnection connection;
        try
        {
            connection = open();
        }
        catch
        {
            Leave();
            throw;
        }
        var left = 0;
        // Raised by every Dispose (after the connection is closed): count the first only.
        connection.Disposed += (_, _) =>
        {
            if (Interlocked.Exchange(ref left, 1) == 0) Leave();
        };
        return connection;
    }

    /// <summary>
    /// Refuses new users, then waits until every user has left, at most <see cref="MaxWait"/>: a
    /// holder that never lets go (a bug) must not keep a daemon from ending; that is logged as an error.
    /// </summary>
    public void CloseAndWait()
    {
        var deadline = DateTime.UtcNow + MaxWait;
        lock (_gate)
        {
            _closed = true;
            while (_count > 0)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    Log.Error("index", $"{path}: closed with {_count} reader(s) of the index still open after {MaxWait.TotalSeconds:0} s (a lookup or cut not disposed)");
                    return;
                }
                // A query ends on its own; a lookup or a cut ends when its holder disposes it.
                if (!Monitor.Wait(_gate, left < WarnEvery ? left : WarnEvery))
                    Log.Warn("index", $"{path}: closing waits for {_count} reader(s) of the index still open (a lookup or cut not disposed?)");
            }
        }
    }
}
