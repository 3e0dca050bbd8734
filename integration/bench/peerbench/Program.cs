using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using TierFs.Index;
using TierFs.Peer;

// peerbench DIR N: two indexes in DIR, linked over loopback with the mount's own peer link.
//   live:     entries written on A while linked, as fast as the index takes them; entries per second until B holds them all
//   catch-up: N entries written on A while B is away; seconds from B's link starting until B holds them all
var dir = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "peerbench");
var n = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000;
Directory.CreateDirectory(dir);
var secret = Encoding.UTF8.GetBytes("peerbench-shared-secret-0123456789");

static int FreePort()
{
    using var l = new TcpListener(IPAddress.Loopback, 0);
    l.Start();
    return ((IPEndPoint)l.LocalEndpoint).Port;
}

static void Write(TierIndex index, int count, string op)
{
    for (var i = 0; i < count; i++) index.AppendLog(new OpLogEntry { AtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Op = op, Path = $"proj/dir{i / 1000:D4}/file{i:D7}.h5", FileId = Guid.NewGuid().ToString("N"), Bytes = 1 << 20, DurationMs = 12 });
    index.Flush();
}

static double Until(Func<bool> done)
{
    var sw = Stopwatch.StartNew();
    while (!done())
    {
        if (sw.Elapsed > TimeSpan.FromMinutes(5)) throw new TimeoutException("the peer did not catch up within 5 minutes");
        Thread.Sleep(10);
    }
    return sw.Elapsed.TotalSeconds;
}

foreach (var f in Directory.GetFiles(dir)) File.Delete(f);
var options = new IndexOptions { MaxDelay = TimeSpan.FromMilliseconds(20) };
using var a = TierIndex.Open(Path.Combine(dir, "a.db"), options with { NodeName = "bench-a" });
using var b = TierIndex.Open(Path.Combine(dir, "b.db"), options with { NodeName = "bench-b" });
var (pa, pb) = (FreePort(), FreePort());
PeerLinkOptions Options(int listen, int peer) => new($"127.0.0.1:{listen}", new Uri($"http://127.0.0.1:{peer}"), secret, null, null, null);

// Catch-up: B is away while A writes N entries.
Write(a, n, "archive");
await using (var linkA = await PeerLink.StartAsync(Options(pa, pb), a))
{
    double catchUp;
    await using (var linkB = await PeerLink.StartAsync(Options(pb, pa), b))
        catchUp = Until(() => b.LogHighWater().GetValueOrDefault("bench-a") == n);
    Console.WriteLine($"catch-up\t{n}\t{catchUp.ToString("0.000", CultureInfo.InvariantCulture)}");

    // Live: linked, A writes N more as fast as the index takes them.
    await using var linkB2 = await PeerLink.StartAsync(Options(pb, pa), b);
    var sw = Stopwatch.StartNew();
    Write(a, n, "release");
    Until(() => b.LogHighWater().GetValueOrDefault("bench-a") == 2L * n);
    Console.WriteLine($"live\t{n}\t{(n / sw.Elapsed.TotalSeconds).ToString("0", CultureInfo.InvariantCulture)}");
}
