using System.Diagnostics;
using TierFs.IntegrationTests.Harness;
using static TierFs.IntegrationTests.Tiering.TierHarness;

namespace TierFs.IntegrationTests.Control;

/// <summary>What the CLI prints (issue 9, item 19): order, paths, formats, help, and an upload under way.</summary>
public class CliOutputTests
{
    private static List<string> Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();

    [Fact]
    public void State_prints_in_the_order_the_paths_were_given()
    {
        using var m = TestMount.Start();
        // Sizes grow with the names: the engine works on large files first, so answers would come back biggest first.
        var names = Enumerable.Range(1, 8).Select(i => $"f{i}").ToList();
        foreach (var (name, i) in names.Select((n, i) => (n, i))) File.WriteAllBytes(m.M(name), Content((i + 1) * 200_000, i));
        var given = names.Select(m.M).ToList();
        var r = Tierfs(["state", .. given]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(given.Select(p => "resident " + p), Lines(r.Stdout));

        var reversed = Enumerable.Reverse(given).Append(m.M("missing")).Append(given[0]).ToList();
        r = Tierfs(["state", .. reversed]);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal(Enumerable.Reverse(given).Append(given[0]).Select(p => "resident " + p), Lines(r.Stdout));
        Assert.Equal([$"tierfs: {m.M("missing")}: no such file or directory"], Lines(r.Stderr));
    }

    [Fact]
    public void Query_gives_absolute_paths_nul_separated_and_query_and_report_take_any_path_on_the_mount()
    {
        using var m = TestMount.Start();
        Directory.CreateDirectory(m.M("proj/sub"));
        File.WriteAllBytes(m.M("proj/sub/a b.bin"), Content(2 << 20, 1));
        File.WriteAllBytes(m.M("proj/c.txt"), Content(10, 2));
        var sql = "SELECT abspath(id) FROM files WHERE type = 'f' AND size >= mib(1)";
        Assert.True(Proc.WaitUntil(() => Tierfs("query", m.MountPoint, sql, "--format", "csv").Stdout.Contains("a b.bin", StringComparison.Ordinal), TimeSpan.FromSeconds(10)));

        // Any path on the mount finds its mount.
        var csv = Tierfs("query", m.M("proj/sub"), sql, "--format", "csv");
        Assert.True(csv.ExitCode == 0, csv.ToString());
        Assert.Equal($"abspath(id)\n{m.M("proj/sub/a b.bin")}\n", csv.Stdout);

        var nul = Tierfs("query", m.M("proj/c.txt"), "SELECT abspath(id), size FROM files WHERE type = 'f' ORDER BY size DESC", "-0");
        Assert.True(nul.ExitCode == 0, nul.ToString());
        Assert.Equal($"{m.M("proj/sub/a b.bin")}\0{2 << 20}\0{m.M("proj/c.txt")}\0{10}\0", nul.Stdout);
        Assert.Equal(nul.Stdout, Tierfs("query", m.MountPoint, "SELECT abspath(id), size FROM files WHERE type = 'f' ORDER BY size DESC", "--format", "nul").Stdout);

        var report = Tierfs("report", m.M("proj"), "--format", "json");
        Assert.True(report.ExitCode == 0, report.ToString());
        Assert.Contains("\"states\"", report.Stdout);
        var csvReport = Tierfs("report", m.MountPoint, "--format", "csv");
        Assert.Equal(2, csvReport.ExitCode);
        Assert.Equal("tierfs: Argument 'csv' not recognized. Must be one of: 'table' 'json' (see tierfs report --help)\n", csvReport.Stderr);
    }

    [Theory]
    [InlineData("report", "--format <table|json>")]
    [InlineData("query", "--format <table|csv|json|nul>")]
    [InlineData("query", "-0, --null")]
    [InlineData("query", "abspath(id)")]
    [InlineData("mount", "nonempty: ")]
    [InlineData("mount", "delete_interval=S: ")]
    [InlineData("mount", "config=FILE: ")]
    [InlineData("mount", "ro: read-only")]
    [InlineData("mount", "--log-level <debug|info|warn|error>")]
    [InlineData("mount", "default 60 in place on a local disk, else 1")]
    [InlineData("policy run", "--retry-now")]
    [InlineData("reload", "SIGHUP")]
    public void Help_is_current(string command, string expected)
    {
        var r = Tierfs([.. command.Split(' '), "--help"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains(expected, System.Text.RegularExpressions.Regex.Replace(r.Stdout, @"\s+", " "));
    }

    /// <summary>Garbage given to every command: one line on stderr, exit 1 or 2, never a stack trace.</summary>
    [Fact]
    public void No_command_shows_a_stack_trace_for_garbage()
    {
        using var m = TestMount.Start();
        var dir = m.Root;
        File.WriteAllBytes(Path.Combine(dir, "binary.yaml"), Content(3000, 9));
        string[][] cases =
        [
            ["bogus"], ["mount", "", m.MountPoint], ["mount", m.Backing, ""], ["mount", m.Backing, m.MountPoint, "--state-dir", ""],
            ["mount", m.Backing, Path.Combine(dir, "x"), "--config", dir], ["mount", m.Backing, Path.Combine(dir, "x"), "--config", Path.Combine(dir, "binary.yaml")],
            ["mount", m.Backing, Path.Combine(dir, "x"), "-o", "ro=1"], ["mount", m.Backing, Path.Combine(dir, "x"), "--threads", "-1"],
            ["mount", m.Backing, Path.Combine(dir, "x"), "--log-level", "loud"], ["umount", ""], ["umount", dir],
            ["state", ""], ["state", "/proc/self"], ["state", "--set", "bogus", m.MountPoint], ["state", m.M(new string('a', 5000))],
            ["archive", "/"], ["release", m.MountPoint], ["migrate", m.M("nope")], ["recall", "-r", dir],
            ["query", m.MountPoint, ""], ["query", m.MountPoint, "DELETE FROM entries"], ["query", m.MountPoint, "SELECT days(1e300)"],
            ["query", m.MountPoint, "SELECT 1", "--format", "xml"], ["query", m.MountPoint, "SELECT 1", "-0", "--format", "csv"], ["query", dir, "SELECT 1"],
            ["report", dir], ["report", m.MountPoint, "--depth", "0"], ["report", m.MountPoint, "--top", "x"],
            ["scan", dir], ["scan", m.MountPoint, "-j", "-1"], ["status", ""], ["status", "/nonexistent"],
            ["policy"], ["policy", "check", "--config", dir], ["policy", "check", "--config", Path.Combine(dir, "binary.yaml")],
            ["policy", "list", dir], ["policy", "run", m.MountPoint, "nosuch"], ["policy", "run", dir, "--dry-run"],
            ["reload", dir], ["reload", m.MountPoint],
        ];
        var failures = new List<string>();
        foreach (var args in cases)
        {
            var r = Tierfs(args);
            var lines = Lines(r.Stderr);
            if (r.ExitCode is not (1 or 2) || lines.Count != 1 || !lines[0].StartsWith("tierfs: ", StringComparison.Ordinal) ||
                r.Stderr.Contains("   at ", StringComparison.Ordinal) || r.Stderr.Contains("internal error", StringComparison.Ordinal))
                failures.Add($"tierfs {string.Join(' ', args.Select(a => a.Length > 40 ? a[..40] + "…" : $"'{a}'"))}: {r}");
        }
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        Assert.Single(DaemonProcess.MountsUnder(dir)); // only the test's own mount
    }
}

/// <summary>A migration under way shows in `tierfs state` and `tierfs status` ("archiving N%").</summary>
public sealed class InFlightTests
{
    [Fact]
    public void An_upload_under_way_shows_in_state_and_status()
    {
        using var s3 = S3Server.Launch();
        using var t = S3TierMount.Start(s3, "inflight/", remoteYaml: "request_timeout: 120s\npart_size: 8M\nconcurrency: 1");
        var m = t.M;
        File.WriteAllBytes(m.M("big"), Content(32 << 20, 5));
        s3.Pause(); // the upload starts and waits on the frozen server
        using var migrate = Process.Start(new ProcessStartInfo(Proc.Tierfs, ["migrate", m.M("big")]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        try
        {
            string? state = null;
            Assert.True(Proc.WaitUntil(() => (state = Tierfs("state", m.M("big")).Stdout).Contains("archiving", StringComparison.Ordinal), TimeSpan.FromSeconds(30)), state);
            Assert.Matches($@"^resident \(archiving \d+%\) {System.Text.RegularExpressions.Regex.Escape(m.M("big"))}\n$", state);
            var status = Tierfs("status", m.MountPoint);
            Assert.Matches($@"moving: archiving \d+% \([\d.]+ \w+/32\.0 MiB[^)]*\) {System.Text.RegularExpressions.Regex.Escape(m.M("big"))}", status.Stdout);
        }
        finally
        {
            s3.Resume();
        }
        Assert.True(migrate.WaitForExit(120_000), "migrate did not end");
        Assert.True(migrate.ExitCode == 0, migrate.StandardError.ReadToEnd());
        Assert.Equal("released", State(m.M("big")));
        Assert.DoesNotContain("moving:", Tierfs("status", m.MountPoint).Stdout);
    }
}
