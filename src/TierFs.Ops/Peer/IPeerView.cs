namespace TierFs.Ops.Peer;

/// <summary>
/// The other management node as the peer link sees it: reachable or not since when, and the entries
/// of the operation log waiting each way. The metrics and the status page read it; the peer link
/// (configured by `node:`/`peer:`) feeds it.
/// </summary>
public sealed record PeerState(string Name, string Url, bool Reachable, DateTimeOffset Since, long WaitingToSend, long WaitingToReceive);

/// <summary>Where the operator's view learns the peer's state; null: no peer configured.</summary>
public interface IPeerView
{
    PeerState? Current { get; }
}

/// <summary>The default: this node has no peer.</summary>
public sealed class NoPeer : IPeerView
{
    public static readonly NoPeer Instance = new();

    public PeerState? Current => null;
}
