using TierFs.IntegrationTests.Harness;
using static TierFs.IntegrationTests.Daemon.DaemonHarness;

namespace TierFs.IntegrationTests.Daemon;

/// <summary>
/// `tierfs policy run` and its dry run say why matching files are held back, and name them with
/// -v; a failed file is named with its reason; --retry-now takes waiting files at once (issue 9, item 16).
/// </summary>
public class PolicyHeldBackTests
{
    private const string Policy = """
        policies:
          - name: all
            where: "size > 0"
        schedule:
          min_age: 1h
        """;

    private static void Old(TestMount m, string name) => File.SetLastWriteTimeUtc(m.B(name), DateTime.UtcNow.AddDays(-2));

    [Fact]
    public void Held_back_files_are_counted_by_reason_and_named_with_v()
    {
        using var m = MountWith(Policy, m =>
        {
            Write(m.B("cold"), 1 << 20, 1);
            Old(m, "cold");
            Write(m.B("young"), 1 << 20, 2);
            Write(m.B("flagged"), 1 << 20, 3);
            Old(m, "flagged");
            Write(m.B("open"), 1 << 20, 4);
            Old(m, "open");
        });
        var flag = Tiering.TierHarness.Tierfs("state", "--set", "noarchive", m.M("flagged"));
        Assert.True(flag.ExitCode == 0, flag.ToString());
        Tiering.TierHarness.Tierfs("scan", m.MountPoint);
        const string held = "  held back: 1 noarchive, 1 open through the mount, 1 younger than min_age (1h)\n";
        using (File.OpenRead(m.M("open")))
        {
            var dry = PolicyRun(m, "--dry-run");
            Assert.Equal("all: would migrate 1 files, 1.0 MiB\n" + held, dry.Stdout);

            var verbose = PolicyRun(m, "--dry-run", "-v");
            Assert.Equal(
                "all: would migrate 1 files, 1.0 MiB\n" +
                $"  {m.M("cold")}\n" +
                "  held back, noarchive: 1 file\n" +
                $"    {m.M("flagged")}\n" +
                "  held back, open through the mount: 1 file\n" +
                $"    {m.M("open")}\n" +
                "  held back, younger than min_age (1h): 1 file\n" +
                $"    {m.M("young")}\n", verbose.Stdout);

            var run = PolicyRun(m);
            Assert.Equal(2, run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
            Assert.Matches(@"^all: migrate 1 files, 1\.0 MiB, 1 skipped, 0 failed in [\d.]+ s \(done, job 1\)\n", run.Stdout);
            Assert.EndsWith(held, run.Stdout);
        }
        Assert.Equal("cold=released flagged=resident,noarchive open=resident young=resident", States(m));
    }

    [Fact]
    public void A_failed_file_is_named_with_its_reason_and_retry_now_takes_it_at_once()
    {
        using var s3 = S3Server.Launch();
        using var t = S3TierMount.Start(s3, "held/", remoteYaml: "request_timeout: 2s",
            topYaml: "policies:\n  - name: all\n    where: \"size > 0\"\nschedule:\n  min_age: 0s\n  retry_backoff: 1h\n", mountArgs: "--no-daemon");
        var m = t.M;
        Write(m.B("f"), 100_000, 1);
        s3.Stop();

        var failed = Tiering.TierHarness.Tierfs("policy", "run", m.MountPoint);
        Assert.True(failed.ExitCode == 1, failed.ToString());
        var line = Assert.Single(failed.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("tierfs: ", StringComparison.Ordinal));
        Assert.StartsWith($"tierfs: {m.M("f")}: ", line);
        Assert.Contains("127.0.0.1", line); // why: the remote tier did not answer
        Assert.Contains("all: migrate 0 files, 0 B, 0 skipped, 1 failed", failed.Stdout);

        s3.Start();
        var dry = PolicyRun(m, "--dry-run", "-v");
        Assert.Contains("all: would migrate 0 files, 0 B\n  held back, waiting for a retry: 1 file\n", dry.Stdout);
        Assert.Matches($@"    {System.Text.RegularExpressions.Regex.Escape(m.M("f"))} \(until \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d, after 1 of 4 attempts, last: .*127\.0\.0\.1", dry.Stdout);
        var waits = PolicyRun(m);
        Assert.Contains("held back: 1 waiting for a retry", waits.Stdout);
        Assert.Equal("f=resident", States(m));

        var now = PolicyRun(m, "--retry-now");
        Assert.Contains("all: migrate 1 files", now.Stdout);
        Assert.Equal("f=released", States(m));
        Assert.Equal(Tiering.TierHarness.Content(100_000, 1), File.ReadAllBytes(m.M("f")));
    }
}
