using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TierFs.Common;
using TierFs.Index;

namespace TierFs.Peer;

/// <summary>
/// This node's end of the link: serves its log to the peer. `GET /v1/log?node=NAME&have=ORIGIN:SEQ,...`
/// answers the entries the asker lacks (every origin but the asker's own, above what it has), in
/// sequence order per origin; with nothing to send it waits (up to `wait` ms) for a new entry, so
/// an entry reaches a listening peer within about a tenth of a second without polling traffic.
/// Requests not signed with the shared secret get 401 and nothing else; they are logged at a
/// bounded rate (<see cref="RefusalLog"/>).
/// </summary>
public sealed class PeerServer : IAsyncDisposable
{
    private const string Source = "peer";
    private const int MaxBatch = 5000;
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(25);
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(100);

    private readonly WebApplication _app;
    private readonly TierIndex _index;
    private readonly byte[] _secret;
    private readonly PeerState _state;
    private readonly CancellationTokenSource _stopping = new();
    private readonly RefusalLog _refusals;

    private PeerServer(WebApplication app, TierIndex index, byte[] secret, PeerState state, RefusalLog refusals)
    {
        _refusals = refusals;
        _app = app;
        _index = index;
        _secret = secret;
        _state = state;
    }

    /// <summary>Listens on <paramref name="listen"/> (ADDRESS:PORT), with TLS when a certificate and key are given.</summary>
    /// <param name="refusalWindow">Refused requests are logged one by one up to 10 per this (default a minute), then summed up.</param>
    public static async Task<PeerServer> StartAsync(string listen, string? tlsCertificate, string? tlsKey, TierIndex index, byte[] secret, PeerState state, TimeSpan? refusalWindow = null)
    {
        var endpoint = IPEndPoint.Parse(listen);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(endpoint, l =>
            {
                if (tlsCertificate is not null && tlsKey is not null)
                    l.UseHttps(X509Certificate2.CreateFromPemFile(tlsCertificate, tlsKey));
            });
        });
        // A held request (long poll) must not hold the mount's shutdown for long.
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(2));
        var app = builder.Build();
        var server = new PeerServer(app, index, secret, state, new RefusalLog(10, refusalWindow ?? TimeSpan.FromMinutes(1)));
        app.Use(server.Authenticate);
        app.MapGet("/v1/log", server.ServeLogAsync);
        await app.StartAsync().ConfigureAwait(false);
        Log.Info(Source, $"serving the operation log to the peer on {(tlsCertificate is null ? "http" : "https")}://{listen}");
        return server;
    }

    private async Task Authenticate(HttpContext ctx, Func<Task> next)
    {
        var problem = PeerAuth.Check(_secret, ctx.Request.Method, ctx.Request.Path + ctx.Request.QueryString,
            ctx.Request.Headers[PeerAuth.DateHeader], ctx.Request.Headers[PeerAuth.SignatureHeader], DateTimeOffset.UtcNow);
        if (problem is not null)
        {
            _refusals.Refused(ctx.Connection.RemoteIpAddress, problem);
            ctx.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }
        await next().ConfigureAwait(false);
    }

    private async Task ServeLogAsync(HttpContext ctx)
    {
        var asker = ctx.Request.Query["node"].ToString();
        var have = HaveParameter.Parse(ctx.Request.Query["have"]);
        if (asker.Length == 0 || have is null)
        {
            ctx.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        var wait = int.TryParse(ctx.Request.Query["wait"], out var ms) ? TimeSpan.FromMilliseconds(Math.Clamp(ms, 0, (int)MaxWait.TotalMilliseconds)) : TimeSpan.Zero;
        _state.PeerAsked(asker, have.GetValueOrDefault(_index.NodeName));
        var deadline = DateTime.UtcNow + wait;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, _stopping.Token);
        List<WireEntry> entries;
        IReadOnlyDictionary<string, long> high;
        while (true)
        {
            high = _index.LogHighWater();
            entries = Lacking(asker, have, high);
            if (entries.Count > 0 || DateTime.UtcNow >= deadline || stop.IsCancellationRequested) break;
            try { await Task.Delay(PollEvery, stop.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) when (!ctx.RequestAborted.IsCancellationRequested) { break; } // stopping: answer what there is
            catch (OperationCanceledException) { return; }
        }
        ctx.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(ctx.Response.Body, new WireBatch(_index.NodeName, new Dictionary<string, long>(high), entries), cancellationToken: ctx.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>What the asker lacks: every origin but its own, above what it has, each origin's entries in order.</summary>
    private List<WireEntry> Lacking(string asker, IReadOnlyDictionary<string, long> have, IReadOnlyDictionary<string, long> high)
    {
        var entries = new List<WireEntry>();
        foreach (var (origin, top) in high.OrderBy(h => h.Key, StringComparer.Ordinal))
        {
            if (origin == asker) continue;
            var after = have.GetValueOrDefault(origin);
            if (top <= after) continue;
            foreach (var e in _index.LogAfter(origin, after, MaxBatch - entries.Count)) entries.Add(WireEntry.From(e));
            if (entries.Count >= MaxBatch) break;
        }
        return entries;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _refusals.Dispose();
    }
}
