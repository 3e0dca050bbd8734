using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;
using TierFs.Common;
using TierFs.Index;
using TierFs.Ops.Metrics;

namespace TierFs.Ops.Web;

/// <summary>
/// The operator's listener (`metrics_listen`), on Kestrel: `/metrics` (Prometheus text format), `/`
/// (the status page), `/chart.js` (its plot script, served from this assembly: nothing comes from
/// the internet). Read-only and unauthenticated: bind it to loopback, or put it behind a proxy that
/// authenticates. The page shows counts and names of policies, never file paths.
/// </summary>
public sealed class OpsWebServer : IAsyncDisposable
{
    private const string Source = "web";
    private readonly WebApplication _app;
    private readonly SnapshotCache _snapshots;

    private OpsWebServer(WebApplication app, SnapshotCache snapshots) => (_app, _snapshots) = (app, snapshots);

    /// <summary>Listens on <paramref name="listen"/> (HOST:PORT) or throws IOException saying why not.</summary>
    public static async Task<OpsWebServer> StartAsync(string listen, OpsView view, TierMetrics metrics, TierIndex index)
    {
        var colon = listen.LastIndexOf(':');
        var host = listen[..colon].Trim('[', ']');
        var port = int.Parse(listen[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = "/", Args = [] });
        builder.Logging.ClearProviders();
        // As the peer link's listener (PeerServer): no server header, and a slow client holds an unmount for 2 s at most.
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            // Anyone who reaches it may connect: a bound on what they can hold open, and idle or slow
            // connections closed within seconds, so that holding the bound costs a client a steady
            // stream of requests rather than one every two minutes.
            k.Limits.MaxConcurrentConnections = 256;
            k.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(10);
            k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            if (host == "localhost") k.ListenLocalhost(port);
            else k.Listen(IPAddress.Parse(host), port);
        });
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(2));
        var app = builder.Build();

        var snapshots = new SnapshotCache(view.CollectAsync);
        metrics.Registry.AddBeforeCollectCallback(async ct =>
        {
            metrics.Update(await snapshots.GetAsync(ct).ConfigureAwait(false), index.RecentJobs(100));
            metrics.Collected(snapshots.Collections, snapshots.LastDuration);
        });
        app.MapGet("/metrics", async (HttpContext c) =>
        {
            c.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.Registry.CollectAndExportAsTextAsync(c.Response.Body, c.RequestAborted).ConfigureAwait(false);
        });
        app.MapGet("/", async (HttpContext c) =>
        {
            var html = StatusPage.Render(await snapshots.GetAsync(c.RequestAborted).ConfigureAwait(false), metrics.Rates);
            c.Response.ContentType = "text/html; charset=utf-8";
            c.Response.Headers.CacheControl = "no-store";
            await c.Response.WriteAsync(html, c.RequestAborted).ConfigureAwait(false);
        });
        app.MapGet("/chart.js", async (HttpContext c) =>
        {
            c.Response.ContentType = "text/javascript; charset=utf-8";
            await using var script = typeof(OpsWebServer).Assembly.GetManifestResourceStream("chart.js")!;
            await script.CopyToAsync(c.Response.Body, c.RequestAborted).ConfigureAwait(false);
        });
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidOperationException)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new IOException($"metrics_listen {listen}: cannot listen: {(e.InnerException ?? e).Message}", e);
        }
        Log.Info(Source, $"metrics and the status page on http://{listen}/ (/metrics)");
        return new OpsWebServer(app, snapshots);
    }

    public async ValueTask DisposeAsync()
    {
        try { await _app.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token).ConfigureAwait(false); }
        catch (OperationCanceledException) { }
        await _app.DisposeAsync().ConfigureAwait(false);
        await _snapshots.StopAsync().ConfigureAwait(false);
    }
}
