using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using TierFs.IntegrationTests.Harness;
using TierFs.IntegrationTests.Remote;
using static TierFs.IntegrationTests.Ops.OpsHarness;
using static TierFs.IntegrationTests.Tiering.TierHarness;

namespace TierFs.IntegrationTests.Ops;

/// <summary>
/// The operator's listener (`metrics_listen`) on a real mount: the Prometheus endpoint's numbers are
/// `tierfs report`'s, and the status page, loaded in a real headless chromium, shows what `tierfs
/// report`, `tierfs status` and `tierfs alarms` say, its plots drawn by the page's own script.
/// </summary>
public sealed class OpsWebTests(S3ServerFixture fixture) : IClassFixture<S3ServerFixture>
{
    private const string Chromium = "/usr/bin/chromium";
    private readonly S3Server _s3 = fixture.Server;

    /// <summary>A mount with files in every common state, a policy job done, a clean verify and then one that raised an alarm.</summary>
    private static (S3TierMount T, int Port) Busy(S3Server s3, string prefix)
    {
        var port = S3Server.FreePort();
        var t = S3TierMount.Start(s3, prefix, topYaml:
            $"metrics_listen: 127.0.0.1:{port}\n" +
            "schedule:\n  min_age: 0s\n" +
            "policies:\n  - name: pick\n    action: archive\n    where: \"name = 'p.bin'\"\n");
        var m = t.M;
        foreach (var (name, size) in new[] { ("a.bin", 300_000), ("b.bin", 200_000), ("c.bin", 50_000), ("d.bin", 120_000), ("e.bin", 80_000), ("p.bin", 70_000) })
            File.WriteAllBytes(m.M(name), Content(size, size));
        Migrate(m.M("a.bin"));
        Assert.True(Tierfs("archive", m.M("b.bin")).ExitCode == 0);
        Migrate(m.M("d.bin"));
        Assert.Equal(Content(120_000, 120_000), File.ReadAllBytes(m.M("d.bin"))); // recalled
        Migrate(m.M("e.bin"));
        var r = Tierfs("policy", "run", m.MountPoint);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.True(Tierfs("verify", m.MountPoint).ExitCode == 0);
        t.Delete(t.ObjectKeyOf("e.bin"));
        Assert.True(Tierfs("verify", m.MountPoint).ExitCode == 1);
        return (t, port);
    }

    private static JsonElement Report(string mount)
    {
        var r = Tierfs("report", mount, "--format", "json");
        Assert.True(r.ExitCode == 0, r.ToString());
        return JsonDocument.Parse(r.Stdout).RootElement.Clone();
    }

    private static Dictionary<string, double> Scrape(int port)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var text = http.GetStringAsync($"http://127.0.0.1:{port}/metrics").GetAwaiter().GetResult();
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var space = line.LastIndexOf(' ');
            values[line[..space]] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
        }
        return values;
    }

    // The recalls section names its period's start (now minus 7 days): it moves with every call.
    private static string WithoutRecalls(JsonElement report) =>
        string.Join(",", report.EnumerateObject().Where(p => p.Name != "recalls").Select(p => p.ToString()));

    [Fact]
    public async Task Requests_at_once_share_one_collection_of_the_numbers()
    {
        var port = S3Server.FreePort();
        using var t = S3TierMount.Start(_s3, "ops-shared/", topYaml: $"metrics_listen: 127.0.0.1:{port}\n");
        for (var i = 0; i < 50; i++) File.WriteAllBytes(t.M.M($"f{i}.bin"), Content(1000 + i, i));
        var before = Scrape(port)["tierfs_status_collections_total"];
        Assert.True(before >= 1);

        // Anyone who reaches the listener can ask as often as they like: 200 requests, 16 at a time.
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 16 }) { Timeout = TimeSpan.FromSeconds(60) };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => http.GetStringAsync($"http://127.0.0.1:{port}/{(i % 2 == 0 ? "" : "metrics")}")));
        var took = clock.Elapsed;
        var after = Scrape(port);

        Assert.All(answers.Where((_, i) => i % 2 == 0), page => Assert.Contains("<html", page));
        Assert.All(answers.Where((_, i) => i % 2 == 1), text => Assert.Contains("tierfs_files{state=", text));
        // A collection is reused for a second at least (each takes far less here): one per second of
        // the burst, and one more the final scrape may have started; not one per request.
        Assert.InRange(after["tierfs_status_collections_total"] - before, 0, 2 + Math.Ceiling(took.TotalSeconds));
        Assert.InRange(after["tierfs_status_collect_seconds"], 0, 1);
    }

    [Fact]
    public void The_metrics_endpoint_shows_the_numbers_of_tierfs_report()
    {
        var (t, port) = Busy(_s3, "ops-metrics/");
        using var _ = t;
        var m = t.M;
        // The same moment for both: a file's blocks may still move (delayed allocation); the two must agree on a quiet tree.
        JsonElement report = default;
        Dictionary<string, double> metrics = [];
        Assert.True(Proc.WaitUntil(() =>
        {
            report = Report(m.MountPoint);
            metrics = Scrape(port);
            return WithoutRecalls(report) == WithoutRecalls(Report(m.MountPoint));
        }, TimeSpan.FromSeconds(30)));

        foreach (var s in report.GetProperty("states").EnumerateArray())
        {
            var state = s.GetProperty("state").GetString();
            Assert.Equal(s.GetProperty("files").GetInt64(), metrics[$"tierfs_files{{state=\"{state}\"}}"]);
            Assert.Equal(s.GetProperty("bytes").GetInt64(), metrics[$"tierfs_bytes{{state=\"{state}\"}}"]);
            Assert.Equal(s.GetProperty("on_disk").GetInt64(), metrics[$"tierfs_on_disk_bytes{{state=\"{state}\"}}"]);
        }
        Assert.Equal(2, metrics["tierfs_files{state=\"released\"}"]); // a, e
        Assert.Equal(report.GetProperty("remote").EnumerateArray().Sum(p => p.GetProperty("objects").GetInt64()), metrics.Where(kv => kv.Key.StartsWith("tierfs_remote_objects{", StringComparison.Ordinal)).Sum(kv => kv.Value));
        Assert.Equal(report.GetProperty("remote").EnumerateArray().Sum(p => p.GetProperty("bytes").GetInt64()), metrics.Where(kv => kv.Key.StartsWith("tierfs_remote_bytes{", StringComparison.Ordinal)).Sum(kv => kv.Value));
        Assert.Equal(report.GetProperty("pending_deletes").GetProperty("count").GetInt64(), metrics["tierfs_pending_remote_deletions"]);

        // What the engine did since the mount started: a, b, d, e and the policy's p archived; a, d, e released; d recalled.
        Assert.Equal(5, metrics["tierfs_migrated_files_total"]);
        Assert.Equal(300_000 + 200_000 + 120_000 + 80_000 + 70_000, metrics["tierfs_migrated_bytes_total"]);
        Assert.Equal(3, metrics["tierfs_released_files_total"]);
        Assert.Equal(1, metrics["tierfs_recalled_files_total"]);
        Assert.Equal(120_000, metrics["tierfs_recalled_bytes_total"]);
        Assert.Equal(0, metrics["tierfs_recalls_in_flight"]);
        Assert.Equal(0, metrics["tierfs_queue_files"]);
        Assert.Equal(1, metrics["tierfs_job_duration_seconds_count"]);
        Assert.Equal(1, metrics["tierfs_open_alarms"]);
        Assert.Equal(1, metrics["tierfs_last_verify_differences"]);
        var clean = Query(m.MountPoint, "SELECT finished FROM verify_runs WHERE status = 'clean'").Single().GetProperty("finished").GetInt64();
        Assert.Equal(clean / 1000.0, metrics["tierfs_last_verify_success_timestamp_seconds"], 3);
        Assert.Equal(0, metrics["tierfs_peer_configured"]);
        Assert.True(metrics["tierfs_backing_size_bytes"] > 0 && metrics["tierfs_backing_used_bytes"] > 0);
    }

    [Fact]
    public void The_status_page_in_headless_chromium_shows_what_the_cli_shows()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: mount-scripts/install.sh --deps-only installs it");
        var (t, port) = Busy(_s3, "ops-page/");
        using var _ = t;
        using var profile = new TempDir();
        var m = t.M;
        var url = $"http://127.0.0.1:{port}/";
        string[] browser = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", $"--user-data-dir={Path.Combine(profile.Path, "profile")}"];

        var dom = Proc.Run(Chromium, [.. browser, "--dump-dom", url], TimeSpan.FromSeconds(90));
        Assert.True(dom.ExitCode == 0 && dom.Stdout.Contains("</html>"), dom.ToString());
        var page = dom.Stdout;
        var report = Report(m.MountPoint);
        foreach (var s in report.GetProperty("states").EnumerateArray())
        {
            var state = s.GetProperty("state").GetString();
            Assert.Equal(s.GetProperty("files").GetInt64(), Value(page, $"files-{state}"));
            Assert.Equal(s.GetProperty("bytes").GetInt64(), Value(page, $"bytes-{state}"));
        }
        Assert.Equal(report.GetProperty("remote").EnumerateArray().Sum(p => p.GetProperty("objects").GetInt64()), Value(page, "remote-objects"));
        Assert.Equal(report.GetProperty("pending_deletes").GetProperty("count").GetInt64(), Value(page, "pending-deletes"));

        // The last jobs as tierfs status lists them, and nothing running.
        var status = JsonDocument.Parse(Tierfs("status", m.MountPoint, "--json").Stdout).RootElement;
        var job = Assert.Single(status.GetProperty("jobs").EnumerateArray());
        Assert.Matches($"<tr><td>{job.GetProperty("id").GetInt64()}</td><td>[^<]+</td><td>pick</td><td>archive</td><td class=\"n\">{job.GetProperty("files").GetInt64()}</td>", page);
        Assert.Contains("id=\"current-job\">running: nothing<", page);

        // The open alarm as tierfs alarms lists it; the verify history; no peer.
        var alarm = Tierfs("alarms", m.MountPoint).Stdout.Trim();
        Assert.Matches(@"^1  .*verify run 2 \(object\) found 1 difference", alarm);
        Assert.Contains("id=\"open-alarms\">1<", page);
        Assert.Contains(System.Net.WebUtility.HtmlEncode(alarm[(alarm.IndexOf("verify run", StringComparison.Ordinal))..]), page);
        Assert.Matches("<tr><td>2</td><td>[^<]+</td><td>object</td><td>command</td><td class=\"n\">[0-9]+</td><td class=\"n\">1</td><td>differences</td></tr>", page);
        Assert.Contains("id=\"peer\">no peer configured<", page);

        // The plots were drawn by the page's script (served by the mount itself): six hours of minutes, the archives counted.
        foreach (var op in new[] { "archive", "recall", "release" })
            Assert.Matches($"<div class=\"chart\" id=\"chart-{op}\"[^>]*data-drawn=\"360\"><svg[^>]*>.*?<polyline[^>]*class=\"series\"", page);
        Assert.Equal("5", Regex.Match(page, "id=\"rate-files-archive\">([0-9]+)<").Groups[1].Value);

        var shot = Path.Combine(profile.Path, "status.png");
        var r = Proc.Run(Chromium, [.. browser, "--hide-scrollbars", "--window-size=1280,2200", $"--screenshot={shot}", url], TimeSpan.FromSeconds(90));
        Assert.True(r.ExitCode == 0 && File.Exists(shot), r.ToString());
        var png = File.ReadAllBytes(shot);
        Assert.True(png.Length > 20_000 && png[..4].SequenceEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }), $"screenshot of {png.Length} bytes");
        if (Environment.GetEnvironmentVariable("TIERFS_KEEP_SCREENSHOT") is { Length: > 0 } keep) File.Copy(shot, keep, overwrite: true);
    }

    /// <summary>The exact number an element of the page carries (data-value).</summary>
    private static long Value(string page, string id)
    {
        var match = Regex.Match(page, $"id=\"{Regex.Escape(id)}\"[^>]*data-value=\"(-?[0-9]+)\"");
        Assert.True(match.Success, $"the page has no element {id}");
        return long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }
}
