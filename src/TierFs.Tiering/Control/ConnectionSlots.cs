namespace TierFs.Tiering.Control;

/// <summary>
/// How many control connections non-root callers may hold at once: a few per uid and a total.
/// The socket is 0666, and each connection may make the daemon hold a request line; without a
/// bound any local user could open enough of them to exhaust the root daemon's memory. Root is
/// not counted: an administrator must always get through, whatever users are doing.
/// </summary>
internal sealed class ConnectionSlots(int perUser, int total)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<uint, int> _byUid = [];
    private int _held;

    /// <summary>A slot for <paramref name="caller"/> (released by disposing it), or null with why not.</summary>
    public IDisposable? TryTake(Caller caller, out string? refusal)
    {
        refusal = null;
        if (caller.IsRoot) return Nothing.Instance;
        lock (_gate)
        {
            var mine = _byUid.GetValueOrDefault(caller.Uid);
            if (mine >= perUser) refusal = $"too many control connections from uid {caller.Uid} (at most {perUser} at once); try again when one has ended";
            else if (_held >= total) refusal = $"too many control connections from users (at most {total} at once); try again later";
            if (refusal is not null) return null;
            _byUid[caller.Uid] = mine + 1;
            _held++;
        }
        return new Slot(this, caller.Uid);
    }

    private void Release(uint uid)
    {
        lock (_gate)
        {
            _held--;
            if (--_byUid[uid] == 0) _byUid.Remove(uid);
        }
    }

    private sealed class Slot(ConnectionSlots owner, uint uid) : IDisposable
    {
        private int _released;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) owner.Release(uid);
        }
    }

    private sealed class Nothing : IDisposable
    {
        public static readonly Nothing Instance = new();
        public void Dispose() { }
    }
}
