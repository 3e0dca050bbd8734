using TierFs.IntegrationTests.Harness;
using static TierFs.IntegrationTests.Daemon.DaemonHarness;

namespace TierFs.IntegrationTests.Daemon;

/// <summary>Policies run through `tierfs policy run` on a real mount: what they select, in which order, within which limits.</summary>
public class PolicyRunTests
{
    private const string Schedule = """
        schedule:
          min_age: 0s
        """;

    [Fact]
    public void A_policy_migrates_exactly_the_matching_files()
    {
        using var m = MountWith($$"""
            policies:
              - name: big-dat
                where: "name LIKE '%.dat' AND size >= 1048576"
            {{Schedule}}
            """, m =>
        {
            Write(m.B("a/big1.dat"), 2 << 20, 1);
            Write(m.B("a/b/big2.dat"), 3 << 20, 2);
            Write(m.B("a/small.dat"), 10_000, 3);
            Write(m.B("big.log"), 2 << 20, 4);
        });
        var r = PolicyRun(m);
        Assert.Contains("big-dat: migrate 2 files, 5.0 MiB, 0 skipped, 0 failed", r.Stdout);
        Assert.Equal("a/b/big2.dat=released a/big1.dat=released a/small.dat=resident big.log=resident", States(m));
        // The data comes back on open, unchanged.
        Assert.Equal(Tiering.TierHarness.Content(2 << 20, 1), File.ReadAllBytes(m.M("a/big1.dat")));
    }

    [Fact]
    public void A_job_is_entered_in_the_operation_log_from_its_start_to_its_end()
    {
        using var m = MountWith($$"""
            policies:
              - name: big-dat
                where: "name LIKE '%.dat'"
            {{Schedule}}
            """, m =>
        {
            Write(m.B("one.dat"), 2 << 20, 1);
            Write(m.B("two.dat"), 1 << 20, 2);
        });
        Assert.Equal(0, PolicyRun(m).ExitCode);
        var log = Tierfs("log", m.MountPoint, "--format", "json");
        Assert.True(log.ExitCode == 0, log.ToString());
        var entries = System.Text.Json.JsonDocument.Parse(log.Stdout).RootElement.EnumerateArray()
            .Select(e => (Op: e.GetProperty("op").GetString(), Path: e.GetProperty("path").GetString(), Bytes: e.GetProperty("bytes").GetInt64(),
                Result: e.GetProperty("result").GetString()))
            .ToList();
        // The job's start, its files' entries (each archived, then released), its end; the job's entries carry its policy and bytes.
        Assert.Equal(("job-start", "big-dat", 3L << 20, "ok"), entries[0]);
        Assert.Equal(("job-end", "big-dat", 3L << 20, "ok"), entries[^1]);
        Assert.Equal(["one.dat", "one.dat", "two.dat", "two.dat"], entries.Skip(1).SkipLast(1).Select(e => e.Path).Order());
        // The job names its daemon as the log names the node (node.name: the host name by default), with its process.
        var job = Jobs(m)[^1];
        Assert.Matches($"^{System.Text.RegularExpressions.Regex.Escape(Environment.MachineName)}:[0-9]+$", job.GetProperty("owner").GetString());
    }

    [Fact]
    public void A_dry_run_reports_the_plan_and_changes_nothing()
    {
        using var m = MountWith($$"""
            policies:
              - name: everything
                action: archive
                where: "size > 0"
            {{Schedule}}
            """, m =>
        {
            Write(m.B("x"), 1 << 20, 1);
            Write(m.B("y"), 2 << 20, 2);
        });
        Tiering.TierHarness.Tierfs("scan", m.MountPoint);
        var r = PolicyRun(m, "--dry-run", "-v");
        Assert.Contains("everything: would archive 2 files, 3.0 MiB", r.Stdout);
        Assert.Contains($"  {m.M("y")}\n", r.Stdout);
        Assert.Equal("x=resident y=resident", States(m));
        Assert.Empty(Jobs(m));

        var unknown = Tierfs("policy", "run", m.MountPoint, "nosuch");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("no policy named 'nosuch'", unknown.Stderr);
    }

    [Fact]
    public void Policies_run_in_priority_order_each_file_claimed_once_within_limits()
    {
        using var m = MountWith($$"""
            policies:
              - name: second
                priority: 20
                action: archive
                where: "size > 0"
                max_bytes: 3M
              - name: first
                priority: 10
                action: migrate
                where: "name LIKE 'k%'"
                max_files: 2
            {{Schedule}}
            """, m =>
        {
            Write(m.B("k1"), 1 << 20, 1);
            Write(m.B("k2"), 2 << 20, 2);
            Write(m.B("k3"), 3 << 20, 3);
            Write(m.B("o1"), 1 << 20, 4);
            Write(m.B("o2"), 2 << 20, 5);
        });
        var list = Tierfs("policy", "list", m.MountPoint);
        Assert.True(list.ExitCode == 0, list.ToString());
        var lines = list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length); // header, rule, one line per policy in the order they run
        Assert.Matches(@"^first\s+10\s+migrate\s+2\s+-\s+name LIKE 'k%'\s+size DESC$", lines[2]);
        Assert.Matches(@"^second\s+20\s+archive\s+-\s+3\.0 MiB\s+size > 0\s+size DESC$", lines[3]);

        var run = PolicyRun(m);
        var jobs = Jobs(m);
        Assert.True(jobs.Count == 2, $"{run}\n{Status(m)}\n{m.Log}");
        Assert.Equal(["first", "second"], jobs.Select(j => j.GetProperty("policy").GetString()));
        // first: the two largest k files (order size DESC, max_files 2).
        Assert.Equal(2, jobs[0].GetProperty("files").GetInt64());
        var states = States(m);
        Assert.Contains("k2=released", states);
        Assert.Contains("k3=released", states);
        // second: not k2/k3 (claimed), at most 3 MiB of the rest.
        Assert.True(jobs[1].GetProperty("bytes").GetInt64() <= 3 << 20, states);
        Assert.True(jobs[1].GetProperty("files").GetInt64() >= 1, states);
        var archived = states.Split(' ').Count(s => s.EndsWith("=archived", StringComparison.Ordinal));
        Assert.Equal(jobs[1].GetProperty("files").GetInt64(), archived);
    }

    [Fact]
    public void A_file_open_through_the_mount_is_skipped_and_migrated_by_a_later_run()
    {
        using var m = MountWith($$"""
            policies:
              - name: all
                where: "size > 0"
            {{Schedule}}
            """, m =>
        {
            Write(m.B("hot"), 1 << 20, 1);
            Write(m.B("cold"), 1 << 20, 2);
        });
        using (var open = File.OpenRead(m.M("hot")))
        {
            var r = PolicyRun(m);
            Assert.Contains("all: migrate 1 files, 1.0 MiB, 1 skipped, 0 failed", r.Stdout);
            Assert.Equal("cold=released hot=resident", States(m));
        }
        PolicyRun(m);
        Assert.Equal("cold=released hot=released", States(m));
    }

    [Fact]
    public void A_recently_changed_file_is_hot_and_skipped()
    {
        using var m = MountWith("""
            policies:
              - name: all
                where: "size > 0"
            schedule:
              min_age: 1h
            """, m =>
        {
            Write(m.B("old"), 1 << 20, 1);
            File.SetLastWriteTimeUtc(m.B("old"), DateTime.UtcNow.AddDays(-2));
            Write(m.B("new"), 1 << 20, 2);
        });
        PolicyRun(m);
        Assert.Equal("new=resident old=released", States(m));
    }

    [Fact]
    public void Outside_the_window_the_daemon_is_paused_until_the_window_starts()
    {
        var now = DateTime.Now;
        var start = TimeOnly.FromDateTime(now).AddHours(2);
        var window = $"{start:HH:mm}-{start.AddHours(1):HH:mm}";
        using var m = MountWith($$"""
            policies:
              - name: all
                where: "size > 0"
            schedule:
              interval: 1s
              window: "{{window}}"
              min_age: 0s
            """, m => Write(m.B("f"), 1 << 20, 1), daemon: true);
        // The next run is planned at the window's start (not every second to be skipped), and status says so.
        Assert.True(Proc.WaitUntil(() => Status(m).GetProperty("nextRun").ValueKind == System.Text.Json.JsonValueKind.Number, TimeSpan.FromSeconds(30)), $"{Status(m)}\n{m.Log}");
        var status = Status(m);
        var next = DateTimeOffset.FromUnixTimeMilliseconds(status.GetProperty("nextRun").GetInt64()).ToLocalTime();
        Assert.Equal(start.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture), next.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0, next.Second);
        Assert.InRange(next - DateTimeOffset.Now, TimeSpan.FromMinutes(110), TimeSpan.FromMinutes(121));
        Assert.Equal(start.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture), status.GetProperty("pausedUntil").GetString());
        var text = Tierfs("status", m.MountPoint);
        Assert.Contains($"; paused until {start:HH:mm} (next run {next:yyyy-MM-dd HH:mm:ss})", text.Stdout);
        Assert.Equal(0, Status(m).GetProperty("ticks").GetInt64());
        Assert.Empty(Jobs(m));
        Assert.Equal("f=resident", States(m));
    }

    [Fact]
    public void Inside_the_window_the_daemon_runs_every_interval()
    {
        using var m = MountWith("""
            policies:
              - name: all
                where: "size > 0"
            schedule:
              interval: 1s
              min_age: 0s
            """, m => Write(m.B("f"), 1 << 20, 1), daemon: true);
        Assert.True(Proc.WaitUntil(() => States(m) == "f=released", TimeSpan.FromSeconds(30)), $"not migrated: {Status(m)}\n{m.Log}");
        // A file created later is taken by a later run (the scan finds it).
        File.WriteAllBytes(m.M("g"), Tiering.TierHarness.Content(1 << 20, 2));
        Assert.True(Proc.WaitUntil(() => States(m) == "f=released g=released", TimeSpan.FromSeconds(30)), $"g not migrated: {Status(m)}\n{m.Log}");
        var status = Tierfs("status", m.MountPoint);
        Assert.Contains("daemon: every 1s", status.Stdout);
        Assert.Contains("all: migrate 1 files", status.Stdout);
    }

    private static RunResult Tierfs(params string[] args) => Tiering.TierHarness.Tierfs(args);
}
