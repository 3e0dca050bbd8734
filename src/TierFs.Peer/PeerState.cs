namespace TierFs.Peer;

/// <summary>What this node knows of the link, for `tierfs status` and the metrics: reachable since when, and what waits each way.</summary>
public sealed record PeerStatus(
    string Url,
    string? PeerNode,
    bool Reachable,
    DateTimeOffset? Since,
    string? LastError,
    long WaitingIn,
    long WaitingOut,
    DateTimeOffset? LastContact);

/// <summary>The link's state, updated by the puller (this node asking) and the server (the peer asking).</summary>
public sealed class PeerState(string url, Func<IReadOnlyDictionary<string, long>> localHigh, string nodeName)
{
    private readonly Lock _gate = new();
    private string? _peerNode;
    private bool _reachable;
    private DateTimeOffset? _since;
    private string? _lastError;
    private long _waitingIn;
    private long _peerHasOfMine = -1;
    private DateTimeOffset? _lastContact;

    /// <summary>A pull succeeded: the peer (named <paramref name="peerNode"/>) holds <paramref name="peerHigh"/>.</summary>
    internal void Pulled(string peerNode, IReadOnlyDictionary<string, long> peerHigh)
    {
        var mine = localHigh();
        lock (_gate)
        {
            if (!_reachable) _since = DateTimeOffset.UtcNow;
            _reachable = true;
            _lastError = null;
            _peerNode = peerNode;
            _waitingIn = peerHigh.Where(h => h.Key != nodeName).Sum(h => Math.Max(0, h.Value - mine.GetValueOrDefault(h.Key)));
            _lastContact = DateTimeOffset.UtcNow;
        }
    }

    internal void Failed(string error)
    {
        lock (_gate)
        {
            if (_reachable || _since is null) _since = DateTimeOffset.UtcNow;
            _reachable = false;
            _lastError = error;
        }
    }

    /// <summary>The peer asked this node's server: it has <paramref name="hasOfMine"/> of this node's entries.</summary>
    internal void PeerAsked(string peerNode, long hasOfMine)
    {
        lock (_gate)
        {
            _peerNode ??= peerNode;
            _peerHasOfMine = hasOfMine;
            _lastContact = DateTimeOffset.UtcNow;
        }
    }

    public PeerStatus Snapshot()
    {
        var mine = localHigh().GetValueOrDefault(nodeName);
        lock (_gate)
        {
            var waitingOut = _peerHasOfMine < 0 ? mine : Math.Max(0, mine - _peerHasOfMine);
            return new PeerStatus(url, _peerNode, _reachable, _since, _lastError, _waitingIn, waitingOut, _lastContact);
        }
    }
}
