using System.Net;
using System.Net.Security;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using TierFs.Common;
using TierFs.Index;

namespace TierFs.Peer;

/// <summary>
/// This node's side of the other's log: asks the peer for what this node lacks (its "have", read
/// from the index: what is committed here is what it holds), stores the answer once and durably,
/// then asks again. The peer holds each request until it has something (long poll), so entries
/// arrive within a fraction of a second while the link is up; when the link is down nothing is
/// lost on either side (each node keeps its own entries), and when it is back, each side pulls what
/// it missed, whether or not anything new is written. A crash between two pulls is harmless: the
/// next "have" is read from the index again, and an entry stored twice is stored once.
/// </summary>
public sealed class PeerPuller : IDisposable
{
    private const string Source = "peer";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    // Short: when the link is back, the side that was waiting notices within this (a refused connect costs nothing).
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    private readonly Uri _peer;
    private readonly byte[] _secret;
    private readonly TierIndex _index;
    private readonly PeerState _state;
    private readonly HttpClient _http;

    public PeerPuller(Uri peer, byte[] secret, string? caFile, TierIndex index, PeerState state)
    {
        _peer = peer;
        _secret = secret;
        _index = index;
        _state = state;
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = TimeSpan.FromSeconds(5) };
        if (caFile is not null)
        {
            var trusted = X509Certificate2.CreateFromPemFile(caFile);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, errors) => TrustedBy(trusted, cert, errors);
        }
        _http = new HttpClient(handler) { Timeout = Wait + TimeSpan.FromSeconds(15) };
    }

    /// <summary>The peer's certificate chains to the configured one (a pinned self-signed certificate, or a private CA).</summary>
    private static bool TrustedBy(X509Certificate2 trusted, X509Certificate? presented, SslPolicyErrors errors)
    {
        if (presented is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable)) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(new X509Certificate2(presented));
    }

    /// <summary>Pulls until cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var backoff = TimeSpan.FromSeconds(1);
        var up = (bool?)null;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var received = await PullOnceAsync(Wait, ct).ConfigureAwait(false);
                if (up != true) Log.Info(Source, $"the link to {_peer} is up");
                up = true;
                backoff = TimeSpan.FromSeconds(1);
                if (received > 0) Log.Debug(Source, $"received {received} log entries from {_peer}");
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or PeerException or System.Text.Json.JsonException)
            {
                var why = e is TaskCanceledException ? "no answer" : e.Message;
                _state.Failed(why);
                if (up != false) Log.Warn(Source, $"the link to {_peer} is down ({why}); entries are kept here until it is back");
                up = false;
                try { await Task.Delay(backoff, ct).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
                backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
            }
        }
    }

    /// <summary>One pull: asks, stores what came (durably), returns how many entries. <paramref name="wait"/>: how long the peer may hold the request.</summary>
    public async Task<int> PullOnceAsync(TimeSpan wait, CancellationToken ct)
    {
        var have = _index.LogHighWater();
        var pathAndQuery = $"/v1/log?node={Uri.EscapeDataString(_index.NodeName)}&have={Uri.EscapeDataString(HaveParameter.Format(have))}&wait={(long)wait.TotalMilliseconds}";
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_peer, pathAndQuery));
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        // The signature covers the path and query as the server will see them (escaped, as sent).
        request.Headers.Add(PeerAuth.DateHeader, now.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(PeerAuth.SignatureHeader, PeerAuth.Sign(_secret, "GET", request.RequestUri!.PathAndQuery, now));
        using var response = await _http.SendAsync(request, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
            throw new PeerException("the peer refused this node's signature: are both nodes given the same secret, and are their clocks within 5 minutes?");
        if (!response.IsSuccessStatusCode) throw new PeerException($"the peer answered {(int)response.StatusCode} {response.ReasonPhrase}");
        var batch = await response.Content.ReadFromJsonAsync<WireBatch>(ct).ConfigureAwait(false)
                    ?? throw new PeerException("the peer answered nothing");
        if (batch.Node == _index.NodeName)
            throw new PeerException($"the peer is also named {batch.Node}: give each node its own node.name");
        if (batch.Entries.Count > 0)
        {
            _index.ReceiveLog(batch.Entries.Select(e => e.ToEntry()).ToList());
            _index.Flush(); // stored for good before the next "have" says so
        }
        _state.Pulled(batch.Node, batch.High);
        return batch.Entries.Count;
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>The peer answered, but not as it should (refused, another version, the same name).</summary>
public sealed class PeerException(string message) : Exception(message);
