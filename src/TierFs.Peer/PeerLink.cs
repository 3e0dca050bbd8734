using TierFs.Common;
using TierFs.Index;

namespace TierFs.Peer;

/// <summary>Both ends of the link for one mount: the server that gives this node's log, the puller that takes the other's.</summary>
public sealed class PeerLink : IAsyncDisposable
{
    private readonly PeerServer _server;
    private readonly PeerPuller _puller;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pulling;

    public PeerState State { get; }

    private PeerLink(PeerServer server, PeerPuller puller, PeerState state)
    {
        _server = server;
        _puller = puller;
        State = state;
        _pulling = Task.Run(() => puller.RunAsync(_stop.Token));
    }

    public static async Task<PeerLink> StartAsync(PeerLinkOptions o, TierIndex index)
    {
        var state = new PeerState(o.PeerUrl.ToString(), index.LogHighWater, index.NodeName);
        var server = await PeerServer.StartAsync(o.Listen, o.TlsCertificate, o.TlsKey, index, o.Secret, state).ConfigureAwait(false);
        return new PeerLink(server, new PeerPuller(o.PeerUrl, o.Secret, o.CaFile, index, state), state);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try { await _pulling.ConfigureAwait(false); }
        catch (Exception e) { Log.Warn("peer", $"the pull loop ended with {e.Message}"); }
        _puller.Dispose();
        await _server.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>What the link needs (from the configuration's node: and peer: sections).</summary>
public sealed record PeerLinkOptions(string Listen, Uri PeerUrl, byte[] Secret, string? CaFile, string? TlsCertificate, string? TlsKey);
