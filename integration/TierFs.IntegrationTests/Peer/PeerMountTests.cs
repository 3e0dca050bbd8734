using System.Net;
using System.Net.Sockets;
using TierFs.IntegrationTests.Harness;
using static TierFs.IntegrationTests.Tiering.TierHarness;

namespace TierFs.IntegrationTests.Peer;

/// <summary>
/// Two management nodes of a pair on one machine (two mounts, each with its own state and its
/// peer link on a loopback port): the operation log is kept whole on both, also across a node
/// that was away; `tierfs status` shows the link; a request without the secret gets nothing; a
/// secret others can read is refused at mount.
/// </summary>
public sealed class PeerMountTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tierfs-peer-").FullName;
    private readonly int _portA = FreePort(), _portB = FreePort();
    private readonly string _secret;

    public PeerMountTests()
    {
        _secret = Path.Combine(_dir, "peer.secret");
        File.WriteAllText(_secret, "a-shared-secret-of-32-characters\n");
        File.SetUnixFileMode(_secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private string Config(string name, int listen, int peer, string secretFile, string more = "") =>
        WriteConfigAt(Path.Combine(_dir, $"{name}.yaml"),
            $"node:\n  name: {name}\n  listen: 127.0.0.1:{listen}\npeer:\n  url: http://127.0.0.1:{peer}\n  secret_file: {secretFile}\n" + more);

    private static string WriteConfigAt(string path, string yaml)
    {
        File.WriteAllText(path, yaml);
        return path;
    }

    private static string Log(TestMount m)
    {
        var r = Tierfs("log", m.MountPoint, "--format", "csv");
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Stdout;
    }

    /// <summary>The entries (origin, seq, op, path, result) of `tierfs log`, without the header.</summary>
    private static List<string> Entries(TestMount m) =>
        [.. Log(m).Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => string.Join(',', l.Split(',').Skip(1).Take(4)))];

    [Fact]
    public void Both_nodes_keep_the_whole_log_also_after_one_was_away_and_status_shows_the_link()
    {
        using var a = TestMount.Start(false, "--config", Config("east-a", _portA, _portB, _secret));
        using var b = TestMount.Start(false, "--config", Config("east-b", _portB, _portA, _secret));
        File.WriteAllBytes(a.M("a.bin"), Content(100_000, 1));
        File.WriteAllBytes(b.M("b.bin"), Content(100_000, 2));
        Migrate(a.M("a.bin"));
        Migrate(b.M("b.bin"));
        Assert.True(Proc.WaitUntil(() => Entries(a).Count == 4 && Entries(a).SequenceEqual(Entries(b)), TimeSpan.FromSeconds(20)),
            $"A:\n{Log(a)}\nB:\n{Log(b)}");
        Assert.Contains("east-a,1,archive,a.bin", Entries(b));
        Assert.Contains("east-b,2,release,b.bin", Entries(a));

        var status = Tierfs("status", a.MountPoint);
        Assert.True(status.ExitCode == 0 && status.Stdout.Contains($"peer: east-b (http://127.0.0.1:{_portB}/) reachable"), status.ToString());

        // B goes away; A works on; B comes back, and nothing new is written after it is.
        Assert.Equal(0, b.Unmount().ExitCode);
        File.WriteAllBytes(a.M("c.bin"), Content(100_000, 3));
        Migrate(a.M("c.bin"));
        Assert.True(Proc.WaitUntil(() => Tierfs("status", a.MountPoint).Stdout.Contains("unreachable"), TimeSpan.FromSeconds(30)));
        b.Mount("--config", Path.Combine(_dir, "east-b.yaml"));
        Assert.True(Proc.WaitUntil(() => Entries(b).Count == 6 && Entries(a).SequenceEqual(Entries(b)), TimeSpan.FromSeconds(30)),
            $"A:\n{Log(a)}\nB:\n{Log(b)}");
        Assert.Equal(6, Entries(b).Distinct().Count());

        var since = Tierfs("log", b.MountPoint, "--origin", "east-a", "--format", "csv");
        Assert.True(since.ExitCode == 0 && since.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == 5, since.ToString());
    }

    [Fact]
    public void A_verify_run_reaches_the_peers_log_and_the_metrics_and_status_page_show_the_link()
    {
        var web = FreePort();
        using var a = TestMount.Start(false, "--config", Config("east-a", _portA, _portB, _secret, $"metrics_listen: 127.0.0.1:{web}\n"));
        using var b = TestMount.Start(false, "--config", Config("east-b", _portB, _portA, _secret));
        File.WriteAllBytes(a.M("a.bin"), Content(100_000, 4));
        Migrate(a.M("a.bin"));
        var r = Tierfs("verify", a.MountPoint);
        Assert.True(r.ExitCode == 0, r.ToString());
        // archive, release, verify (the whole mount: no path), each once on both nodes.
        Assert.True(Proc.WaitUntil(() => Entries(b).Contains("east-a,3,verify,") && Entries(a).SequenceEqual(Entries(b)), TimeSpan.FromSeconds(20)),
            $"A:\n{Log(a)}\nB:\n{Log(b)}");
        Assert.Single(Entries(b), e => e.Contains(",verify,", StringComparison.Ordinal));

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        string Get(string path) => http.GetStringAsync($"http://127.0.0.1:{web}{path}").GetAwaiter().GetResult();
        Assert.True(Proc.WaitUntil(() =>
        {
            var metrics = Get("/metrics").Split('\n');
            return metrics.Contains("tierfs_peer_configured 1") && metrics.Contains("tierfs_peer_up 1") &&
                   metrics.Contains("tierfs_peer_lag_entries{direction=\"to_peer\"} 0");
        }, TimeSpan.FromSeconds(60)), Get("/metrics"));
        var page = Get("/");
        Assert.Contains($"east-b (http://127.0.0.1:{_portB}/): reachable since", page);

        Assert.Equal(0, b.Unmount().ExitCode);
        Assert.True(Proc.WaitUntil(() => Get("/metrics").Split('\n').Contains("tierfs_peer_up 0"), TimeSpan.FromSeconds(30)), Get("/metrics"));
        Assert.Contains(": unreachable since", Get("/"));
    }

    [Fact]
    public void A_request_without_the_secret_gets_nothing()
    {
        using var a = TestMount.Start(false, "--config", Config("east-a", _portA, _portB, _secret));
        using var http = new HttpClient();
        foreach (var headers in new[] { "", "x" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{_portA}/v1/log?node=x&have=");
            if (headers.Length > 0)
            {
                // Signed with another secret.
                request.Headers.Add("X-TierFs-Date", DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
                request.Headers.Add("X-TierFs-Signature", new string('0', 64));
            }
            using var r = http.Send(request);
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
            Assert.Equal(0, r.Content.ReadAsStream().ReadByte() + 1);
        }
    }

    [Fact]
    public void A_secret_others_can_read_is_refused_at_mount_naming_the_key()
    {
        var loose = Path.Combine(_dir, "loose.secret");
        File.WriteAllText(loose, "a-shared-secret-of-32-characters\n");
        File.SetUnixFileMode(loose, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        using var m = TestMount.Create();
        var r = Proc.Run(Proc.Tierfs, ["mount", m.Backing, m.MountPoint, "--state-dir", m.StateDir, "--config", Config("east-a", _portA, _portB, loose)]);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("secret_file", r.Stderr);
        Assert.Contains("chmod 600", r.Stderr);
        Assert.False(m.IsMounted);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
