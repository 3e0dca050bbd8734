using System.Diagnostics;
using TierFs.IntegrationTests.Harness;

namespace TierFs.IntegrationTests.Index;

/// <summary>`tierfs query` on a real mount cannot run forever nor take the machine's memory.</summary>
public class QueryLimitTests
{
    private const string NeverEnds = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c";

    /// <summary>Runs tierfs and watches its peak resident memory (VmHWM) until it exits.</summary>
    private static (RunResult Result, long PeakKb, TimeSpan Took) Watched(params string[] args)
    {
        var psi = new ProcessStartInfo(Proc.Tierfs, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        long peak = 0;
        while (!p.WaitForExit(20))
        {
            peak = Math.Max(peak, PeakKb(p.Id));
            if (sw.Elapsed > TimeSpan.FromSeconds(120))
            {
                p.Kill();
                p.WaitForExit();
                throw new TimeoutException($"tierfs {string.Join(' ', args)} still running after 120 s");
            }
        }
        p.WaitForExit();
        return (new RunResult(p.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult()), peak, sw.Elapsed);
    }

    private static long PeakKb(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        }
        catch (IOException) { return 0; }
    }

    [Fact]
    public void A_query_that_never_ends_stops_at_its_timeout_with_one_line_and_exit_2()
    {
        using var m = TestMount.Start();
        var (r, _, took) = Watched("query", m.MountPoint, NeverEnds, "--timeout", "2");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Equal("tierfs: query: stopped after 2 s (--timeout)\n", r.Stderr);
        // 2 s of SQLite's time, plus the start of a .NET process on a loaded machine.
        Assert.InRange(took.TotalSeconds, 2, 30);
    }

    [Theory]
    [InlineData("SELECT hex(zeroblob(800000000))")]
    [InlineData("WITH RECURSIVE s(n, v) AS (SELECT 1, 'x' UNION ALL SELECT n + 1, v || v FROM s WHERE n < 40) SELECT n, length(v) FROM s")]
    public void A_huge_value_fails_with_one_line_and_the_memory_stays_bounded(string sql)
    {
        using var m = TestMount.Start();
        var (r, peakKb, _) = Watched("query", m.MountPoint, sql, "--format", "csv");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Equal("tierfs: query: a value would be larger than 64 MiB (string or blob too big)\n", r.Stderr);
        // A 1.6 GB value before; now at most one 64 MiB value (and its UTF-16 copy) beside the runtime.
        Assert.InRange(peakKb, 1, 400 * 1024);
    }

    [Fact]
    public void The_limits_are_options_with_sane_bounds()
    {
        using var m = TestMount.Start();
        var r = Proc.TierfsRun("query", m.MountPoint, "SELECT length(hex(zeroblob(5000000)))", "--max-memory", "16");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Equal("tierfs: query: a value would be larger than 4 MiB (string or blob too big)\n", r.Stderr);
        r = Proc.TierfsRun("query", m.MountPoint, "SELECT 1", "--timeout", "-1");
        Assert.True(r.ExitCode == 2, r.ToString());
        r = Proc.TierfsRun("query", m.MountPoint, "SELECT 1", "--timeout", "0", "--format", "csv");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("1\n1\n", r.Stdout);
    }
}
