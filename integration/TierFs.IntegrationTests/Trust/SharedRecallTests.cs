using System.Diagnostics;
using System.Globalization;
using TierFs.IntegrationTests.Harness;
using Xunit.Abstractions;
using static TierFs.IntegrationTests.Tiering.TierHarness;

namespace TierFs.IntegrationTests.Trust;

/// <summary>
/// Openers of one stub share its one recall: while the remote hangs, twenty of them all get EIO
/// within about one request timeout (not one timeout after another), and the next open after the
/// remote answers again recalls it.
/// </summary>
public sealed class SharedRecallTests(ITestOutputHelper output)
{
    private const int Openers = 20;
    private const int TimeoutSeconds = 3;

    /// <summary>Opens and reads a file: prints "OK SECONDS" or "ERRNAME SECONDS".</summary>
    private const string Reader = """
        import os, sys, time, errno
        t = time.monotonic()
        try:
            fd = os.open(sys.argv[1], os.O_RDONLY)
            while os.read(fd, 1 << 20): pass
            print("OK", round(time.monotonic() - t, 2))
        except OSError as e:
            print(errno.errorcode.get(e.errno, str(e.errno)), round(time.monotonic() - t, 2))
        """;

    [Fact]
    public void Twenty_openers_of_a_stub_on_a_hung_remote_all_fail_within_one_request_timeout()
    {
        using var s3 = S3Server.Launch();
        using var t = S3TierMount.Start(s3, "shared/", $"request_timeout: {TimeoutSeconds}s\npart_size: 8M");
        var m = t.M;
        var data = Content(24 * 1024 * 1024, seed: 71);
        File.WriteAllBytes(m.M("s.bin"), data);
        Migrate(m.M("s.bin"));

        s3.Pause();
        RunResult[] results;
        var sw = Stopwatch.StartNew();
        try
        {
            var readers = Enumerable.Range(0, Openers).Select(_ => Task.Run(() => Proc.Run("python3", ["-c", Reader, m.M("s.bin")], TimeSpan.FromSeconds(300)))).ToArray();
            Assert.True(Proc.WaitUntil(() => readers.All(r => r.IsCompleted), TimeSpan.FromSeconds(300)), "the openers did not end");
            results = readers.Select(r => r.Result).ToArray();
        }
        finally
        {
            s3.Resume();
        }
        output.WriteLine($"{Openers} openers ended after {sw.Elapsed.TotalSeconds:0.0} s: {string.Join(", ", results.Select(r => r.Stdout.Trim()))}");
        Assert.All(results, r => Assert.StartsWith("EIO ", r.Stdout));
        // One timeout (plus the SDK's retries of the first request, and the processes' start on a busy machine), not twenty.
        var slowest = results.Max(r => double.Parse(r.Stdout.Trim().Split(' ')[1], CultureInfo.InvariantCulture));
        Assert.True(slowest < 4 * TimeoutSeconds + 10, $"the last opener failed after {slowest} s: they waited one after another");
        Assert.Equal("released", State(m.M("s.bin")));

        Assert.Equal(data, File.ReadAllBytes(m.M("s.bin")));
    }
}
