using System.Text.Json;
using TierFs.IntegrationTests.Harness;
using Xunit.Abstractions;
using static TierFs.IntegrationTests.Tiering.TierHarness;

namespace TierFs.IntegrationTests.Tiering;

/// <summary>
/// Who may recall and every recall accounted for (issue 12), on a real mount over s3rver: a denied
/// command's open fails with EPERM and recalls nothing (and a reload changes the rules), a user
/// without read permission gets EACCES and starts no recall, recall.max_concurrent holds with the
/// rest queued as `tierfs status` and `tierfs state` show, and the recalls table has one row per
/// recall with the opener's pid and command.
/// </summary>
public sealed class RecallAdmissionMountTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    /// <summary>Opens and reads a file whole: prints "PID OK" or "PID ERRNAME".</summary>
    private const string Reader = """
        import os, sys, errno
        try:
            fd = os.open(sys.argv[1], os.O_RDONLY)
            while os.read(fd, 1 << 20): pass
            print(os.getpid(), "OK")
        except OSError as e:
            print(os.getpid(), errno.errorcode.get(e.errno, str(e.errno)))
        """;

    private static RunResult Query(TestMount m, string sql) => Tierfs("query", m.MountPoint, sql, "--format", "csv");

    /// <summary>The recalls table's rows as "path,trigger,pid,uid,command,bytes,result" lines, in order.</summary>
    private static List<string> Recalls(TestMount m)
    {
        var r = Query(m, "SELECT path, trigger, pid, uid, command, bytes, result FROM recalls ORDER BY id");
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
    }

    [Fact]
    public void A_denied_command_gets_EPERM_and_recalls_nothing_root_recall_is_never_denied_and_a_reload_changes_the_rules()
    {
        using var s3 = S3Server.Launch();
        using var t = S3TierMount.Start(s3, "deny/", "", "recall:\n  deny_commands: [updatedb, tierfs]\n");
        var m = t.M;
        var data = Content(300_000, seed: 5);
        File.WriteAllBytes(m.M("a.bin"), data);
        File.WriteAllBytes(m.M("b.bin"), data);
        Migrate(m.M("a.bin"));
        Migrate(m.M("b.bin"));
        var stubBlocks = t.BackingBlocks("a.bin"); // the xattr's block, no data
        var updatedb = Path.Combine(m.Root, "updatedb");
        File.Copy("/bin/cat", updatedb);

        var r = Proc.Run(updatedb, m.M("a.bin"));
        Assert.True(r.ExitCode != 0, r.ToString());
        Assert.Contains("Operation not permitted", r.Stderr);
        Assert.Equal("released", State(m.M("a.bin")));
        Assert.Equal(stubBlocks, t.BackingBlocks("a.bin"));
        Assert.Matches(@"WARN  tier: recall of a\.bin refused \(open by pid=\d+ uid=0 comm=updatedb gid=0\): command 'updatedb' is in recall\.deny_commands; the open fails with EPERM", m.Log);
        Assert.Empty(Recalls(m));

        // `tierfs recall` by root is never refused, though its own command name is denied.
        var recall = Tierfs("recall", m.M("b.bin"));
        Assert.True(recall.ExitCode == 0, recall.ToString());
        Assert.Equal("archived", State(m.M("b.bin")));

        // A reload that drops updatedb from the rules lets it recall.
        File.WriteAllText(t.ConfigFile, File.ReadAllText(t.ConfigFile).Replace("[updatedb, tierfs]", "[clamd]", StringComparison.Ordinal));
        var reload = Tierfs("reload", m.MountPoint);
        Assert.True(reload.ExitCode == 0, reload.ToString());
        Assert.Contains("recall.deny_commands: [updatedb, tierfs] → [clamd]", reload.Stdout);
        r = Proc.Run(updatedb, m.M("a.bin"));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(data, File.ReadAllBytes(m.M("a.bin")));

        // The row is written when the recall ends and committed with the index's next batch (200 ms).
        var rows = Recalls(m);
        Assert.True(Proc.WaitUntil(() => (rows = Recalls(m)).Count >= 2, TimeSpan.FromSeconds(30)), string.Join("\n", rows));
        output.WriteLine(string.Join("\n", rows));
        Assert.Equal(2, rows.Count);
        Assert.Matches(@"^b\.bin,command,\d+,0,tierfs,300000,ok$", rows[0]);
        Assert.Matches(@"^a\.bin,open,\d+,0,updatedb,300000,ok$", rows[1]);
    }

    [Fact]
    public void A_user_without_read_permission_gets_EACCES_and_a_denied_user_EPERM_and_neither_starts_a_recall()
    {
        using var s3 = S3Server.Launch();
        using var t = S3TierMount.Start(s3, "perm/", "", "recall:\n  deny_uids: [65534]\n");
        var m = t.M;
        File.SetUnixFileMode(m.Root, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(m.MountPoint, (UnixFileMode)0b111_101_101);
        File.WriteAllBytes(m.M("secret.bin"), Content(100_000, seed: 6));
        File.SetUnixFileMode(m.M("secret.bin"), (UnixFileMode)0b110_000_000);
        Migrate(m.M("secret.bin"));
        var stubBlocks = t.BackingBlocks("secret.bin");

        var r = Proc.RunAsNobody(["cat", m.M("secret.bin")]);
        Assert.True(r.ExitCode != 0, r.ToString());
        Assert.Contains("Permission denied", r.Stderr);
        // Truncating is refused before any recall too.
        r = Proc.RunAsNobody(["truncate", "-s", "10", m.M("secret.bin")]);
        Assert.True(r.ExitCode != 0, r.ToString());
        Assert.Contains("Permission denied", r.Stderr);
        Assert.Equal("released", State(m.M("secret.bin")));
        Assert.Equal(stubBlocks, t.BackingBlocks("secret.bin"));
        Assert.DoesNotContain("recalled", m.Log);
        Assert.Empty(Recalls(m));

        // A file the user may read, but the rules deny the user: EPERM, and `tierfs recall` as that user is refused too.
        File.WriteAllBytes(m.M("open.bin"), Content(100_000, seed: 9));
        File.SetUnixFileMode(m.M("open.bin"), (UnixFileMode)0b110_100_100);
        Migrate(m.M("open.bin"));
        r = Proc.RunAsNobody(["cat", m.M("open.bin")]);
        Assert.True(r.ExitCode != 0, r.ToString());
        Assert.Contains("Operation not permitted", r.Stderr);
        r = Proc.RunAsNobody([Proc.Tierfs, "recall", m.M("open.bin")]);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("recall refused: uid 65534 is in recall.deny_uids", r.Stderr);
        Assert.Equal("released", State(m.M("open.bin")));
        Assert.Empty(Recalls(m));
        Assert.Matches(@"refused \(open by pid=\d+ uid=65534 comm=cat gid=65534\): uid 65534 is in recall\.deny_uids; the open fails with EPERM", m.Log);
    }

    [Fact]
    public void Max_concurrent_holds_status_and_state_show_the_recalls_in_flight_and_each_leaves_one_row_with_its_opener()
    {
        using var s3 = S3Server.Launch();
        using var t = S3TierMount.Start(s3, "conc/", "request_timeout: 300s\npart_size: 8M", "recall:\n  max_concurrent: 1\n");
        var m = t.M;
        var data = new[] { Content(20 << 20, seed: 7), Content(20 << 20, seed: 8) };
        File.WriteAllBytes(m.M("x.bin"), data[0]);
        File.WriteAllBytes(m.M("y.bin"), data[1]);
        Migrate(m.M("x.bin"));
        Migrate(m.M("y.bin"));

        s3.Pause();
        Task<RunResult>[] readers;
        string status;
        try
        {
            readers = new[] { "x.bin", "y.bin" }.Select(name => Task.Run(() => Proc.Run("python3", ["-c", Reader, m.M(name)], Patience))).ToArray();
            string? seen = null;
            Assert.True(Proc.WaitUntil(() => (seen = Tierfs("status", m.MountPoint).Stdout).Contains("recalls: 1 running, 1 queued") &&
                                            seen.Contains("moving: recalling") && seen.Contains("moving: queued for recall"), Patience),
                $"status never showed one recall running and one queued:\n{seen}\n{m.Log}");
            status = seen!;
            var json = Tierfs("status", m.MountPoint, "--json");
            using var doc = JsonDocument.Parse(json.Stdout);
            var transfers = doc.RootElement.GetProperty("transfers").EnumerateArray().ToList();
            Assert.Equal(["queued for recall", "recalling"], transfers.Select(x => x.GetProperty("activity").GetString()).Order());
            var running = transfers.Single(x => x.GetProperty("activity").GetString() == "recalling").GetProperty("path").GetString()!;
            Assert.StartsWith("released (recalling ", State(m.M(running)));
            Assert.EndsWith("%)", State(m.M(running)));
            var queued = running == "x.bin" ? "y.bin" : "x.bin";
            Assert.Equal("released (queued for recall)", State(m.M(queued)));
        }
        finally
        {
            s3.Resume();
        }
        output.WriteLine(status);
        Assert.Matches(@"moving: recalling \d+% \(.*/20\.0 MiB.*\) \S+/(x|y)\.bin \(open by pid=\d+ uid=0 comm=python3\)", status);
        Assert.Matches(@"moving: queued for recall \(20\.0 MiB\) \S+/(x|y)\.bin \(open by pid=\d+ uid=0 comm=python3\)", status);
        Assert.True(Proc.WaitUntil(() => readers.All(r => r.IsCompleted), Patience), "the readers did not end");
        var pids = readers.Select(r => r.Result.Stdout.Trim()).ToList();
        Assert.All(pids, p => Assert.EndsWith(" OK", p));
        Assert.Equal(data[0], File.ReadAllBytes(m.M("x.bin")));
        Assert.Equal(data[1], File.ReadAllBytes(m.M("y.bin")));

        // The row is written when the recall ends and committed with the index's next batch (200 ms).
        var rows = Recalls(m);
        Assert.True(Proc.WaitUntil(() => (rows = Recalls(m)).Count >= 2, TimeSpan.FromSeconds(30)), string.Join("\n", rows));
        output.WriteLine(string.Join("\n", rows));
        Assert.Equal(2, rows.Count);
        foreach (var (name, p) in new[] { ("x.bin", pids[0]), ("y.bin", pids[1]) })
            Assert.Contains($"{name},open,{p.Split(' ')[0]},0,python3,{20 << 20},ok", rows);

        // The report sums them by user and by command.
        var report = Tierfs("report", m.MountPoint, "--since", "1h");
        Assert.True(report.ExitCode == 0, report.ToString());
        output.WriteLine(report.Stdout);
        Assert.Matches(@"Recalls by command \(since [^)]+\)\s+command\s+recalls\s+failed\s+bytes\s+time[-\s]+python3\s+2\s+0\s+40\.0 MiB", report.Stdout);
        Assert.Matches(@"Recalls by user \(since [^)]+\)\s+uid\s+user\s+recalls\s+failed\s+bytes\s+time[-\s]+0\s+root\s+2\s+0\s+40\.0 MiB", report.Stdout);
    }
}
