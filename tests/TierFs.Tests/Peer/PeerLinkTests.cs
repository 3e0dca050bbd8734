using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using TierFs.Index;
using TierFs.Peer;
using TierFs.Tests.Fakes;
using TierFs.Tests.Index;

namespace TierFs.Tests.Peer;

/// <summary>
/// Two nodes' indexes linked over loopback HTTP: while linked each entry reaches the other within a
/// second; a node that was away catches up when it is back, without anything new being written; a
/// node stopped in the middle of a catch-up loses and doubles nothing; a request without the secret
/// gets nothing. IAsyncLifetime, not IAsyncDisposable: xunit v2 never calls the latter (every test
/// left its links running and both indexes open in their temp directories).
/// </summary>
public sealed class PeerLinkTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes("0123456789abcdef0123456789abcdef");
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly IndexOptions Fast = new() { MaxDelay = TimeSpan.FromMilliseconds(20) };

    private readonly IndexTestFiles _filesA = new(), _filesB = new();
    private TierIndex? _indexA, _indexB;
    private readonly int _portA = FreePort(), _portB = FreePort();
    private PeerLink? _linkA, _linkB;

    private TierIndex _a => _indexA ??= _filesA.Open(Fast with { NodeName = "east-a" });
    private TierIndex _b => _indexB ??= _filesB.Open(Fast with { NodeName = "east-b" });
    private Xunit.Abstractions.ITestOutputHelper _output => output;

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static Task<PeerLink> Link(TierIndex index, int listen, int peer, byte[]? secret = null) =>
        PeerLink.StartAsync(new PeerLinkOptions($"127.0.0.1:{listen}", new Uri($"http://127.0.0.1:{peer}"), secret ?? Secret, null, null, null), index);

    private static void Write(TierIndex index, string op, int n)
    {
        for (var i = 0; i < n; i++) index.AppendLog(new OpLogEntry { AtMs = 1_000 + i, Op = op, Path = $"{op}/{i}" });
        index.Flush();
    }

    /// <summary>Every entry of both logs, as (origin, seq, op, path): what "the same log" means.</summary>
    private static List<(string, long, string, string?)> Whole(TierIndex index) =>
        [.. index.RecentLog(1_000_000).Select(e => (e.Origin, e.Seq, e.Op, e.Path)).Order()];

    // The high-water marks first (cheap), the entries themselves once those agree.
    private bool Same() =>
        _a.LogHighWater().OrderBy(h => h.Key).SequenceEqual(_b.LogHighWater().OrderBy(h => h.Key)) && Whole(_a).SequenceEqual(Whole(_b));

    [Fact]
    public async Task While_linked_each_entry_reaches_the_other_node_within_a_second()
    {
        _linkA = await Link(_a, _portA, _portB);
        _linkB = await Link(_b, _portB, _portA);
        Write(_a, "archive", 3);
        Write(_b, "recall", 2);
        Assert.True(SpinUntil(() => Whole(_a).Count == 5 && Same(), Bound), "the two logs did not meet");

        var sw = Stopwatch.StartNew();
        Write(_a, "release", 1);
        Assert.True(SpinUntil(() => _b.LogHighWater().GetValueOrDefault("east-a") == 4, Bound));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(1), $"an entry took {sw.Elapsed.TotalSeconds:0.00} s to reach the peer");
        Assert.True(SpinUntil(() => _linkA.State.Snapshot() is { Reachable: true, WaitingIn: 0, WaitingOut: 0, PeerNode: "east-b" }, Bound),
            $"{_linkA.State.Snapshot()}");
    }

    [Fact]
    public async Task A_node_that_was_away_catches_up_without_anything_new_being_written_and_nothing_is_doubled()
    {
        _linkA = await Link(_a, _portA, _portB);
        Write(_a, "archive", 50); // B is down: A keeps them
        Write(_b, "recall", 20);  // and B wrote while it was away
        Assert.True(SpinUntil(() => _linkA.State.Snapshot() is { Reachable: false }, Bound));

        _linkB = await Link(_b, _portB, _portA); // B is back; nobody writes anything new
        Assert.True(SpinUntil(Same, Bound), "the logs did not catch up");
        Assert.Equal(70, Whole(_a).Count);
        Assert.Equal(70, Whole(_a).Distinct().Count());
    }

    [Fact]
    public async Task A_node_stopped_in_the_middle_of_a_catch_up_loses_and_doubles_nothing()
    {
        var sw = Stopwatch.StartNew();
        Write(_a, "archive", 60_000);
        _output.WriteLine($"60000 entries written in {sw.Elapsed.TotalSeconds:0.00} s");
        _linkA = await Link(_a, _portA, _portB);
        _linkB = await Link(_b, _portB, _portA);
        Assert.True(SpinUntil(() => _b.LogHighWater().GetValueOrDefault("east-a") > 0, Bound), "the catch-up did not start");
        await _linkB.DisposeAsync(); // cut mid-transfer
        _linkB = null;
        var partial = _b.LogHighWater().GetValueOrDefault("east-a");
        Write(_a, "release", 10);

        sw.Restart();
        _linkB = await Link(_b, _portB, _portA);
        Assert.True(SpinUntil(() => _b.LogHighWater().GetValueOrDefault("east-a") == 60_010, TimeSpan.FromSeconds(60)), $"the logs did not meet (B had {partial} when it was cut)");
        _output.WriteLine($"caught up from {partial} in {sw.Elapsed.TotalSeconds:0.00} s");
        Assert.True(Same());
        Assert.Equal(60_010, Whole(_b).Count);
        Assert.Equal(Enumerable.Range(1, 60_010).Select(i => (long)i), _b.LogAfter("east-a", 0, 100_000).Select(e => e.Seq));
    }

    [Fact]
    public async Task A_node_with_another_secret_gets_nothing_and_is_told_why()
    {
        _linkA = await Link(_a, _portA, _portB);
        _linkB = await Link(_b, _portB, _portA, Encoding.UTF8.GetBytes("not the same secret, not at all"));
        Write(_a, "archive", 5);
        Assert.True(SpinUntil(() => _linkB.State.Snapshot() is { Reachable: false, LastError: { } e } && e.Contains("secret"), Bound), $"{_linkB.State.Snapshot()}");
        Assert.Empty(_b.RecentLog(100));

        // A plain request without a signature: 401 and no body.
        using var http = new HttpClient();
        var r = await http.GetAsync($"http://127.0.0.1:{_portA}/v1/log?node=x&have=");
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        Assert.Empty(await r.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_flood_of_refused_requests_is_logged_as_a_few_lines_and_a_summary()
    {
        // Anyone who can reach the port can send unsigned requests: one log line each would rotate
        // the log away. All are still refused; the log gets 10 of them and then a count.
        var mark = CapturedLog.Mark();
        await using (var server = await PeerServer.StartAsync($"127.0.0.1:{_portA}", null, null, _a, Secret, new PeerState("http://127.0.0.1:1", () => new Dictionary<string, long>(), "east-a"), TimeSpan.FromSeconds(10)))
        {
            using var http = new HttpClient();
            for (var i = 0; i < 200; i++)
                Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync($"http://127.0.0.1:{_portA}/v1/log?node=x&have=")).StatusCode);
            Assert.True(SpinUntil(() => CapturedLog.Since(mark).Any(l => l.Contains("more refused request(s)")), Bound));
        }
        var peer = CapturedLog.Since(mark).Where(l => l.Contains("peer: ")).ToList();
        Assert.Equal(10, peer.Count(l => l.Contains("refused a request from 127.0.0.1")));
        var summary = Assert.Single(peer, l => l.Contains("more refused request(s)"));
        Assert.Contains("190 more refused request(s) in the last 10 s not logged one by one: from 127.0.0.1 (190)", summary);
    }

    private static bool SpinUntil(Func<bool> condition, TimeSpan bound)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < bound)
        {
            if (condition()) return true;
            Thread.Sleep(50);
        }
        return condition();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_linkA is not null) await _linkA.DisposeAsync();
        if (_linkB is not null) await _linkB.DisposeAsync();
        _indexA?.Dispose();
        _indexB?.Dispose();
        _filesA.Dispose();
        _filesB.Dispose();
    }
}
