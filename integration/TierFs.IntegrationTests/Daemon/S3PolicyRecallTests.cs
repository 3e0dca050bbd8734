using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using TierFs.IntegrationTests.Harness;
using TierFs.IntegrationTests.Remote;
using Xunit.Abstractions;
using static TierFs.IntegrationTests.Daemon.DaemonHarness;
using static TierFs.IntegrationTests.Tiering.TierHarness;

namespace TierFs.IntegrationTests.Daemon;

/// <summary>
/// A policy with <c>action: recall</c> (prestaging), on a real mount over s3rver: it recalls exactly
/// the released stubs its where matches, each accounted to the daemon in the recalls table (trigger
/// policy), its job counting them; a user's open meanwhile joins the policy's recall (one download);
/// a recall whose object is gone is a failed file of the job and leaves the stub as it was.
/// </summary>
public sealed partial class S3PolicyRecallTests(S3ServerFixture fixture, ITestOutputHelper output) : IClassFixture<S3ServerFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private const string Prestage = """
        policies:
          - name: prestage-x
            action: recall
            where: "path LIKE 'proj/x/%'"
        """;

    /// <summary>Opens and reads a file whole: prints its SHA-256 (hex, upper case) or the errno's name.</summary>
    private const string Reader = """
        import os, sys, errno, hashlib
        try:
            fd = os.open(sys.argv[1], os.O_RDONLY)
            h = hashlib.sha256()
            while True:
                b = os.read(fd, 1 << 20)
                if not b: break
                h.update(b)
            print(h.hexdigest().upper())
        except OSError as e:
            print(errno.errorcode.get(e.errno, str(e.errno)))
        """;

    [Fact]
    public void A_recall_policy_recalls_exactly_the_matching_released_stubs_accounted_to_the_daemon()
    {
        using var t = S3TierMount.Start(fixture.Server, "precall-exact/", topYaml: Prestage, mountArgs: "--no-daemon");
        var m = t.M;
        var data = new Dictionary<string, byte[]>
        {
            ["proj/x/a.bin"] = Content(3 << 20, 1),
            ["proj/x/b.bin"] = Content(1 << 20, 2),
            ["proj/x/resident.bin"] = Content(2 << 20, 3),
            ["proj/x/lost.bin"] = Content(1 << 20, 4),
            ["proj/x/touched.bin"] = Content(1 << 20, 5),
            ["proj/y/other.bin"] = Content(1 << 20, 6),
        };
        foreach (var (name, bytes) in data) Put(m.M(name), bytes);
        foreach (var name in data.Keys.Where(n => n != "proj/x/resident.bin")) Migrate(m.M(name));
        Assert.True(Tierfs("state", "--set", "lost", m.M("proj/x/lost.bin")).ExitCode == 0);
        // Changed behind the mount: a stub whose mtime is not the recorded one (mismatch).
        File.SetLastWriteTimeUtc(m.B("proj/x/touched.bin"), DateTime.UtcNow.AddDays(-3));
        var stubs = new[] { "proj/x/lost.bin", "proj/x/touched.bin", "proj/y/other.bin" };
        var before = stubs.ToDictionary(n => n, n => (Blocks: t.BackingBlocks(n), Record: t.Record(n)!.Value.GetRawText()));
        Assert.True(Tierfs("scan", m.MountPoint).ExitCode == 0);

        var dry = PolicyRun(m, "--dry-run", "-v");
        output.WriteLine(dry.Stdout);
        Assert.Contains("prestage-x: would recall 2 files, 4.0 MiB\n" +
                        $"  {m.M("proj/x/a.bin")}\n  {m.M("proj/x/b.bin")}\n", dry.Stdout); // large files first
        Assert.Equal("released", State(m.M("proj/x/a.bin")));

        var run = PolicyRun(m);
        output.WriteLine(run.Stdout);
        Assert.Matches(@"prestage-x: recall 2 files, 4\.0 MiB, 0 skipped, 0 failed in [\d.]+ s \(done, job \d+\)", run.Stdout);
        Assert.Equal("proj/x/a.bin=archived proj/x/b.bin=archived proj/x/lost.bin=lost proj/x/resident.bin=resident " +
                     "proj/x/touched.bin=mismatch proj/y/other.bin=released", States(m));
        foreach (var name in new[] { "proj/x/a.bin", "proj/x/b.bin" })
        {
            Assert.Equal(data[name], File.ReadAllBytes(m.B(name))); // in the backing file itself
            Assert.Equal(data[name], File.ReadAllBytes(m.M(name)));
        }
        foreach (var name in stubs)
            Assert.Equal(before[name], (t.BackingBlocks(name), t.Record(name)!.Value.GetRawText()));

        // One row per file, accounted to the daemon: its pid, uid 0, its command name.
        var pid = DaemonProcess.PidOf(m);
        var comm = File.ReadAllText($"/proc/{pid}/comm").Trim();
        var rows = Recalls(m);
        Assert.True(Proc.WaitUntil(() => (rows = Recalls(m)).Count >= 2, Patience), string.Join("\n", rows));
        Assert.Equal([$"proj/x/a.bin,policy,{pid},0,{comm},{3 << 20},ok", $"proj/x/b.bin,policy,{pid},0,{comm},{1 << 20},ok"], rows);
        var job = Jobs(m).First(j => j.GetProperty("policy").GetString() == "prestage-x");
        Assert.Equal(("recall", 2L, 4L << 20, 0L, 0L, "done"),
            (job.GetProperty("action").GetString(), job.GetProperty("files").GetInt64(), job.GetProperty("bytes").GetInt64(),
             job.GetProperty("skipped").GetInt64(), job.GetProperty("failed").GetInt64(), job.GetProperty("status").GetString()));

        var report = Tierfs("report", m.MountPoint, "--since", "1h");
        Assert.True(report.ExitCode == 0, report.ToString());
        output.WriteLine(report.Stdout);
        Assert.Matches(@"Recalls by trigger \(since [^)]+\)\s+trigger\s+recalls\s+failed\s+bytes\s+time[-\s]+policy\s+2\s+0\s+4\.0 MiB", report.Stdout);
    }

    [Fact]
    public async Task A_users_open_during_a_policy_recall_joins_it_one_download_both_get_the_data()
    {
        using var s3 = S3Server.Launch();
        using var t = S3TierMount.Start(s3, "precall-race/", "request_timeout: 120s", Prestage, "--no-daemon");
        var m = t.M;
        var data = Content(24 << 20, 7);
        Put(m.M("proj/x/big.bin"), data);
        Migrate(m.M("proj/x/big.bin"));

        // The remote hangs: the policy's recall is under way until it answers again.
        s3.Pause();
        Task<RunResult> run, user;
        string seen = "";
        try
        {
            run = Task.Run(() => Proc.Run(Proc.Tierfs, ["policy", "run", m.MountPoint], TimeSpan.FromSeconds(300)));
            Assert.True(Proc.WaitUntil(() => (Recall(m, "proj/x/big.bin") is { } r && (seen = r.GetRawText()).Contains("\"policy by pid=")) || run.IsCompleted, Patience),
                $"no policy recall under way: {seen}\n{m.Log}");
            Assert.False(run.IsCompleted, $"the run ended first: {(run.IsCompleted ? await run : null)}");
            user = Task.Run(() => Proc.Run("python3", ["-c", Reader, m.M("proj/x/big.bin")], TimeSpan.FromSeconds(300)));
            // The opener waits for the policy's recall: it shares it (status says so).
            Assert.True(Proc.WaitUntil(() => (Recall(m, "proj/x/big.bin") is { } r && (seen = r.GetRawText()).Contains("\"sharing\":2")) || user.IsCompleted, Patience),
                $"the user's open did not join the policy's recall: {seen}\n{m.Log}");
            Assert.False(user.IsCompleted, $"the user's open ended first: {(user.IsCompleted ? await user : null)}");
            var line = Tierfs("status", m.MountPoint).Stdout;
            output.WriteLine(line);
            Assert.Matches(@"moving: recalling \d+% .*proj/x/big\.bin \(policy by pid=\d+ uid=0 comm=\S+; shared by 2\)", line);
        }
        finally
        {
            s3.Resume();
        }

        var opened = await user.WaitAsync(TimeSpan.FromSeconds(300));
        var ran = await run.WaitAsync(TimeSpan.FromSeconds(300));
        output.WriteLine(ran.Stdout);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(data)), opened.Stdout.Trim());
        Assert.True(ran.ExitCode == 0, ran.ToString());
        Assert.Matches(@"prestage-x: recall 1 files, 24\.0 MiB, 0 skipped, 0 failed", ran.Stdout);
        Assert.Equal(data, File.ReadAllBytes(m.B("proj/x/big.bin")));
        Assert.Equal("archived", State(m.M("proj/x/big.bin")));

        // One recall: one row (the policy's), one download in the log.
        var rows = Recalls(m);
        Assert.True(Proc.WaitUntil(() => (rows = Recalls(m)).Count >= 1, Patience), m.Log);
        Assert.Matches(@"^proj/x/big\.bin,policy,\d+,0,\S+,25165824,ok$", Assert.Single(rows));
        Assert.Single(RecalledLine().Matches(m.Log));
    }

    [Fact]
    public void A_recall_whose_object_is_gone_or_forged_is_a_failed_file_of_the_job_and_the_stub_stays_as_it_was()
    {
        using var t = S3TierMount.Start(fixture.Server, "precall-gone/", topYaml: Prestage, mountArgs: "--no-daemon");
        var m = t.M;
        var ok = Content(2 << 20, 8);
        Put(m.M("proj/x/ok.bin"), ok);
        Write(m.M("proj/x/gone.bin"), 1 << 20, 9);
        Write(m.M("proj/x/forged.bin"), 1 << 20, 10);
        foreach (var name in new[] { "ok", "gone", "forged" }) Migrate(m.M($"proj/x/{name}.bin"));
        t.Delete(t.ObjectKeyOf("proj/x/gone.bin"));
        // Someone with write access to the bucket replaces an object: same length, same metadata, other bytes.
        var forgedKey = t.ObjectKeyOf("proj/x/forged.bin");
        t.Put(forgedKey, Content(1 << 20, 11), t.Head(forgedKey)!.Value.Meta);
        string[] stubs = ["proj/x/forged.bin", "proj/x/gone.bin"];
        var before = stubs.Select(n => (t.BackingBlocks(n), t.Record(n)!.Value.GetRawText())).ToList();

        var r = Tierfs("policy", "run", m.MountPoint);
        output.WriteLine(r.ToString());
        Assert.True(r.ExitCode == 1, r.ToString());
        foreach (var name in stubs)
            Assert.Contains(r.Stderr.Split('\n'), l => l.StartsWith($"tierfs: {m.M(name)}: ", StringComparison.Ordinal));
        Assert.Matches(@"prestage-x: recall 1 files, 2\.0 MiB, 0 skipped, 2 failed", r.Stdout);
        Assert.Equal("proj/x/forged.bin=released proj/x/gone.bin=released proj/x/ok.bin=archived", States(m));
        Assert.Equal(before, stubs.Select(n => (t.BackingBlocks(n), t.Record(n)!.Value.GetRawText())).ToList());
        Assert.Equal(ok, File.ReadAllBytes(m.B("proj/x/ok.bin")));

        var rows = Recalls(m);
        Assert.True(Proc.WaitUntil(() => (rows = Recalls(m)).Count >= 3, Patience), string.Join("\n", rows));
        Assert.Matches(@"^proj/x/forged\.bin,policy,\d+,0,\S+,\d+,failed$", rows[0]);
        Assert.Matches(@"^proj/x/gone\.bin,policy,\d+,0,\S+,0,failed$", rows[1]);
        Assert.Matches(@"^proj/x/ok\.bin,policy,\d+,0,\S+,2097152,ok$", rows[2]);
        var job = Jobs(m).First(j => j.GetProperty("policy").GetString() == "prestage-x");
        Assert.Equal((1L, 2L), (job.GetProperty("files").GetInt64(), job.GetProperty("failed").GetInt64()));
        // A user opening the forged stub gets EIO, never the forged bytes.
        Assert.Equal("EIO", Proc.Run("python3", ["-c", Reader, m.M("proj/x/forged.bin")], Patience).Stdout.Trim());

        // Retried by the daemon's rules: they wait for their backoff (retry_backoff, 10m by default).
        var dry = PolicyRun(m, "--dry-run");
        Assert.Contains("prestage-x: would recall 0 files, 0 B\n  held back: 2 waiting for a retry", dry.Stdout);
    }

    private static void Put(string path, byte[] bytes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>The recalls table's rows as "path,trigger,pid,uid,command,bytes,result", by path.</summary>
    private static List<string> Recalls(TestMount m)
    {
        var r = Tierfs("query", m.MountPoint, "SELECT path, trigger, pid, uid, command, bytes, result FROM recalls ORDER BY path, id", "--format", "csv");
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
    }

    /// <summary>The recall of <paramref name="path"/> in `tierfs status --json`'s transfers, or null.</summary>
    private static JsonElement? Recall(TestMount m, string path)
    {
        foreach (var x in Status(m).GetProperty("transfers").EnumerateArray())
            if (x.GetProperty("path").GetString() == path) return x;
        return null;
    }

    [GeneratedRegex(@"tier: recalled proj/x/big\.bin ")]
    private static partial Regex RecalledLine();
}
