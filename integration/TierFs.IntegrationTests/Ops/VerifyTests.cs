using TierFs.IntegrationTests.Harness;
using TierFs.IntegrationTests.Remote;
using TierFs.Remote;
using static TierFs.IntegrationTests.Ops.OpsHarness;
using static TierFs.IntegrationTests.Tiering.TierHarness;

namespace TierFs.IntegrationTests.Ops;

/// <summary>
/// `tierfs verify` on a real mount against a real s3rver: it finds what was done to the bucket behind
/// TierFs's back (an object deleted, truncated, rotted at rest, one put there that no file owns),
/// raises one alarm per run that found something, keeps every run, and `--repair` fixes what it
/// safely can while `--repair --dry-run` changes nothing.
/// </summary>
public sealed class VerifyTests(S3ServerFixture fixture) : IClassFixture<S3ServerFixture>
{
    private readonly S3Server _s3 = fixture.Server;

    private static void Put(S3TierMount t, string name, byte[] data, bool release)
    {
        File.WriteAllBytes(t.M.M(name), data);
        var r = Tierfs(release ? "migrate" : "archive", t.M.M(name));
        Assert.True(r.ExitCode == 0, r.ToString());
    }

    [Fact]
    public void Verify_finds_a_deleted_a_truncated_a_rotted_and_an_orphan_object_raises_one_alarm_per_run_and_keeps_the_history()
    {
        using var dir = new TempDir();
        var alarmsSeen = Path.Combine(dir.Path, "alarms.txt");
        using var t = S3TierMount.Start(_s3, "verify-find/", topYaml: $"alarms:\n  command: echo \"$TIERFS_ALARM_ID $TIERFS_MOUNT $TIERFS_ALARM_MESSAGE\" >> {alarmsSeen}\n");
        var m = t.M;
        var ok = Content(300_000, 1);
        Put(t, "ok.bin", ok, release: true);
        Put(t, "gone.bin", Content(200_000, 2), release: true);
        Put(t, "short.bin", Content(200_000, 3), release: false);
        Put(t, "rot.bin", Content(400_000, 4), release: true);
        File.WriteAllText(m.M("resident.txt"), "never archived");

        // A clean tree verifies clean: exit 0, no alarm.
        var r = Tierfs("verify", m.MountPoint);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("4 files, 4 objects", r.Stdout);
        Assert.Contains("0 missing, 0 size differs, 0 checksum differs, 0 orphans, 0 record/index", r.Stdout);

        t.Delete(t.ObjectKeyOf("gone.bin"));
        var shortKey = t.ObjectKeyOf("short.bin");
        t.Put(shortKey, Content(200_000, 3)[..150_000], t.Head(shortKey)!.Value.Meta);
        RotAtRest(t, t.ObjectKeyOf("rot.bin"), 123_456);
        const string orphan = "data/zz/zz0rphan0000000000000000000000/1.00000000deadbeef";
        t.Put(orphan, Content(5000, 5), new Dictionary<string, string>());

        r = Tierfs("verify", m.MountPoint, "--level", "object");
        Assert.True(r.ExitCode == 1, r.ToString());
        var lines = DiffLines(r);
        Assert.Contains(lines, l => l.StartsWith($"missing {m.M("gone.bin")} (", StringComparison.Ordinal) && l.Contains("is missing"));
        Assert.Contains(lines, l => l.StartsWith($"size-differs {m.M("short.bin")} (", StringComparison.Ordinal) && l.Contains("150000 bytes"));
        Assert.Contains(lines, l => l.StartsWith($"orphan {orphan}: no record references it", StringComparison.Ordinal));
        // A HEAD cannot see bytes rotted at rest (the ETag is the store's record of them): that is the data level's job.
        Assert.Equal(3, lines.Count);
        Assert.Contains("1 missing, 1 size differs, 0 checksum differs, 1 orphans, 0 record/index", r.Stdout);
        Assert.Single(Tierfs("alarms", m.MountPoint).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        r = Tierfs("verify", m.MountPoint, "--level", "data");
        Assert.True(r.ExitCode == 1, r.ToString());
        lines = DiffLines(r);
        Assert.Contains(lines, l => l.StartsWith($"checksum-differs {m.M("rot.bin")} (", StringComparison.Ordinal) && l.Contains("BLAKE3"));
        Assert.Equal(4, lines.Count);
        Assert.DoesNotContain(lines, l => l.Contains(m.M("ok.bin")));
        // Nothing was changed by looking: the damaged stubs are still stubs, the good one still reads back.
        Assert.Equal("released", State(m.M("gone.bin")));
        Assert.Equal(ok, File.ReadAllBytes(m.M("ok.bin")));

        // One alarm per run that found differences, each with one error line in the log and the command run.
        var alarms = Tierfs("alarms", m.MountPoint);
        Assert.True(alarms.ExitCode == 0, alarms.ToString());
        var open = alarms.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, open.Length);
        Assert.StartsWith("1  ", open[0]);
        Assert.Contains("verify run 2 (object) found 3 difference(s)", open[0]);
        Assert.Contains("verify run 3 (data) found 4 difference(s)", open[1]);
        Assert.Equal(2, m.Log.Split('\n').Count(l => l.Contains("ERROR") && l.Contains("alarm ") && l.Contains("found")));
        Assert.True(Proc.WaitUntil(() => File.Exists(alarmsSeen) && File.ReadAllLines(alarmsSeen).Length == 2, TimeSpan.FromSeconds(30)), "the alarm command did not run twice");
        Assert.StartsWith($"1 {m.MountPoint} verify run 2", File.ReadAllLines(alarmsSeen)[0]);
        // The command runs with umask 022, not the daemon's 0: the file its `>>` made is not everyone's to write.
        var made = (int)File.GetUnixFileMode(alarmsSeen);
        Assert.True(made == 0x1A4, $"the alarm command's file is mode {Convert.ToString(made, 8)}");

        // The history: every run with its counts, and each run's differences.
        var runs = Query(m.MountPoint, "SELECT id, level, trigger, status, files, missing, size_differs, checksum_differs, orphans FROM verify_runs ORDER BY id");
        Assert.Equal(["clean", "differences", "differences"], runs.Select(x => x.GetProperty("status").GetString()));
        Assert.Equal([0L, 1, 1], runs.Select(x => x.GetProperty("missing").GetInt64()));
        Assert.Equal([0L, 0, 1], runs.Select(x => x.GetProperty("checksum_differs").GetInt64()));
        Assert.All(runs, x => Assert.Equal(4, x.GetProperty("files").GetInt64()));
        var diffs = Query(m.MountPoint, "SELECT run, kind, path FROM verify_diffs WHERE run = 3 ORDER BY kind");
        Assert.Equal(["checksum-differs", "missing", "orphan", "size-differs"], diffs.Select(x => x.GetProperty("kind").GetString()));

        // Acknowledged, an alarm is closed; an unknown or closed one is bad input.
        r = Tierfs("alarms", m.MountPoint, "--ack", "1");
        Assert.True(r.ExitCode == 0 && r.Stdout.Trim() == "alarm 1 acknowledged", r.ToString());
        Assert.Single(Tierfs("alarms", m.MountPoint).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        r = Tierfs("alarms", m.MountPoint, "--ack", "1");
        Assert.True(r.ExitCode == 2 && r.Stderr.Contains("acknowledged already"), r.ToString());
        r = Tierfs("alarms", m.MountPoint, "--ack", "99");
        Assert.True(r.ExitCode == 2 && r.Stderr.Contains("no alarm 99"), r.ToString());

        // PATH limits the run to those files (and leaves the orphan listing out): clean, exit 0.
        r = Tierfs("verify", m.MountPoint, m.M("ok.bin"), "--level", "data");
        Assert.True(r.ExitCode == 0 && r.Stdout.Contains("1 files, 1 objects"), r.ToString());
    }

    [Fact]
    public void A_whole_mount_verify_takes_each_object_from_one_listing_and_heads_only_what_the_listing_cannot_answer()
    {
        // A server of its own that logs every request it answers: the test counts them.
        using var s3 = S3Server.Launch("verify-count", logRequests: true);
        using var t = S3TierMount.Start(s3, "count/");
        var m = t.M;
        const int Files = 2500;
        Directory.CreateDirectory(m.M("many"));
        for (var i = 0; i < Files; i++) File.WriteAllBytes(m.M($"many/f{i}"), Content(100 + i % 7, i));
        var r = Tierfs("archive", "-r", m.M("many"));
        Assert.True(r.ExitCode == 0, r.ToString());
        var size = 200_000;
        foreach (var name in new[] { "gone.bin", "short.bin", "swapped.bin" }) Put(t, name, Content(size, name.Length), release: name != "short.bin");
        var objects = Files + 3;
        Assert.Equal(objects, t.DataObjects().Count);

        // Clean: one listing of data/ (a page per 1,000 objects), and not one HEAD of a data object.
        var (verify, requests) = Counted(t, () => Tierfs("verify", m.MountPoint, "--level", "object"));
        Assert.True(verify.ExitCode == 0 && verify.Stdout.Contains($"{objects} files, {objects} objects"), verify.ToString());
        Assert.Equal((objects + 999) / 1000, requests.Count(q => q.IsListing(s3.Bucket, t.Prefix + "data/")));
        Assert.DoesNotContain(requests, q => q.Method == "HEAD" && q.Path.Contains("/data/", StringComparison.Ordinal));

        // Deleted, truncated (size), replaced by other bytes of the same size (ETag): still found, each by the HEAD that confirms it.
        var gone = t.ObjectKeyOf("gone.bin");
        var shortKey = t.ObjectKeyOf("short.bin");
        var swapped = t.ObjectKeyOf("swapped.bin");
        t.Delete(gone);
        t.Put(shortKey, Content(size, "short.bin".Length)[..150_000], t.Head(shortKey)!.Value.Meta);
        t.Put(swapped, Content(size, 99), t.Head(swapped)!.Value.Meta);
        (verify, requests) = Counted(t, () => Tierfs("verify", m.MountPoint));
        Assert.True(verify.ExitCode == 1, verify.ToString());
        var lines = DiffLines(verify);
        Assert.Equal(3, lines.Count);
        Assert.Contains(lines, l => l.StartsWith($"missing {m.M("gone.bin")} (", StringComparison.Ordinal) && l.Contains("is missing"));
        Assert.Contains(lines, l => l.StartsWith($"size-differs {m.M("short.bin")} (", StringComparison.Ordinal) && l.Contains("150000 bytes"));
        Assert.Contains(lines, l => l.StartsWith($"checksum-differs {m.M("swapped.bin")} (", StringComparison.Ordinal) && l.Contains("was replaced (ETag"));
        var headed = requests.Where(q => q.Method == "HEAD" && q.Path.Contains("/data/", StringComparison.Ordinal)).Select(q => q.Path).ToHashSet();
        Assert.Equal(new[] { gone, shortKey, swapped }.Select(k => $"/{s3.Bucket}/{t.Prefix}{k}").Order(), headed.Order());

        // By PATH each file's object is still asked with a HEAD, and no listing is made.
        (verify, requests) = Counted(t, () => Tierfs("verify", m.MountPoint, m.M("many")));
        Assert.True(verify.ExitCode == 0 && verify.Stdout.Contains($"{Files} files, {Files} objects"), verify.ToString());
        Assert.Equal(Files, requests.Count(q => q.Method == "HEAD" && q.Path.Contains("/data/", StringComparison.Ordinal)));
        Assert.DoesNotContain(requests, q => q.IsListing(s3.Bucket, t.Prefix + "data/"));
    }

    /// <summary>What <paramref name="run"/> returned, and the requests s3rver answered while it ran (between two marker HEADs).</summary>
    private static (RunResult, List<S3Request>) Counted(S3TierMount t, Func<RunResult> run)
    {
        var from = $"marker-{Guid.NewGuid():N}";
        Assert.Null(t.Head(from));
        var result = run();
        var to = $"marker-{Guid.NewGuid():N}";
        Assert.Null(t.Head(to));
        return (result, t.S3.RequestsBetween(t.Prefix + from, t.Prefix + to));
    }

    [Fact]
    public void Only_root_may_verify_or_read_alarms_and_a_read_only_mount_refuses_repair()
    {
        using var t = S3TierMount.Start(_s3, "verify-who/", mountArgs: ["-o", "ro"]);
        foreach (var args in new[] { new[] { "verify", t.M.MountPoint }, ["alarms", t.M.MountPoint], ["alarms", t.M.MountPoint, "--ack", "1"] })
        {
            var r = Proc.RunAsNobody([Proc.Tierfs, .. args]);
            Assert.True(r.ExitCode == 1 && r.Stderr.Contains($"only root may {args[0]}"), r.ToString());
        }
        var ro = Tierfs("verify", t.M.MountPoint, "--repair");
        Assert.True(ro.ExitCode == 1 && ro.Stderr.Contains("read-only") && ro.Stderr.Contains("--repair refused"), ro.ToString());
        Assert.True(Tierfs("verify", t.M.MountPoint, "--repair", "--dry-run").ExitCode == 0);
        Assert.True(Tierfs("verify", t.M.MountPoint).ExitCode == 0);
        var bad = Tierfs("verify", t.M.MountPoint, "--level", "bytes");
        Assert.True(bad.ExitCode == 2 && bad.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == 1, bad.ToString());
        bad = Tierfs("verify", t.M.MountPoint, "--dry-run");
        Assert.True(bad.ExitCode == 2 && bad.Stderr.Contains("--dry-run goes with --repair"), bad.ToString());
    }

    [Fact]
    public void Repair_dry_run_changes_nothing_and_repair_reuploads_marks_lost_and_queues_orphans()
    {
        using var t = S3TierMount.Start(_s3, "verify-repair/", remoteYaml: "delete_grace: 0s", mountArgs: ["-o", "delete_interval=1"]);
        var m = t.M;
        var local = Content(600_000, 11);
        Put(t, "local.bin", local, release: false);
        Put(t, "stub.bin", Content(300_000, 12), release: true);
        Put(t, "fine.bin", Content(100_000, 13), release: true);
        var localKey = t.ObjectKeyOf("local.bin");
        t.Delete(localKey);
        t.Delete(t.ObjectKeyOf("stub.bin"));
        const string orphan = "data/yy/yy0rphan0000000000000000000000/1.00000000cafef00d";
        t.Put(orphan, Content(7000, 14), new Dictionary<string, string>());

        var bucket = BucketState(t);
        var index = IndexState(m.MountPoint);
        var records = string.Join("\n", new[] { "local.bin", "stub.bin", "fine.bin" }.Select(n => t.Record(n)?.GetRawText()));
        var r = Tierfs("verify", m.MountPoint, "--repair", "--dry-run");
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("  repair: would archive the file again", r.Stdout);
        Assert.Contains("  repair: would mark the stub lost", r.Stdout);
        Assert.Contains("  repair: would queue it for deletion", r.Stdout);
        Assert.Contains("dry run, not recorded", r.Stdout);
        Assert.Equal(bucket, BucketState(t));
        Assert.Equal(index, IndexState(m.MountPoint));
        Assert.Equal(records, string.Join("\n", new[] { "local.bin", "stub.bin", "fine.bin" }.Select(n => t.Record(n)?.GetRawText())));
        Assert.Empty(Query(m.MountPoint, "SELECT id FROM verify_runs"));
        Assert.Equal("no open alarms", Tierfs("alarms", m.MountPoint).Stdout.Trim());

        r = Tierfs("verify", m.MountPoint, "--repair");
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.True(r.Stdout.Contains("; 3 repaired"), r.ToString());
        // The file whose data is local is archived again, under a new key that is there.
        var newKey = t.ObjectKeyOf("local.bin");
        Assert.NotEqual(localKey, newKey);
        Assert.True(t.Exists(newKey));
        Assert.Equal("archived", State(m.M("local.bin")));
        Assert.Equal(local, File.ReadAllBytes(m.M("local.bin")));
        // The stub is marked lost, not dropped: still there, same size, its record kept.
        Assert.Equal("lost", State(m.M("stub.bin")));
        Assert.Equal(300_000, new FileInfo(m.M("stub.bin")).Length);
        // The orphan goes through the delete pass (which checks again that nothing references it).
        Assert.True(Proc.WaitUntil(() => !t.Exists(orphan), TimeSpan.FromSeconds(30)), "the orphan was not deleted");
        Assert.True(t.Exists(t.ObjectKeyOf("fine.bin")));

        // What is left is what cannot be repaired: the lost stub's object (restore it from a backup).
        r = Tierfs("verify", m.MountPoint);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Equal([$"missing {m.M("stub.bin")}"], DiffLines(r).Select(l => l[..l.IndexOf(" (", StringComparison.Ordinal)]));
    }

    [Fact]
    public void A_part_manifest_beside_its_object_is_no_orphan_one_whose_object_is_gone_is_and_each_run_is_a_log_entry()
    {
        using var t = S3TierMount.Start(_s3, "verify-manifest/", remoteYaml: "part_size: 5M\ndelete_grace: 0s", mountArgs: ["-o", "delete_interval=1"]);
        var m = t.M;
        var big = Content(11 * 1024 * 1024 + 7, 31);
        Put(t, "big.bin", big, release: true);
        var manifest = PartManifest.KeyFor(t.ObjectKeyOf("big.bin"));
        Assert.True(t.Exists(manifest), string.Join(", ", t.Objects().Keys));

        var r = Tierfs("verify", m.MountPoint);
        Assert.True(r.ExitCode == 0 && r.Stdout.Contains("0 orphans"), r.ToString());

        // What an upload that could not clean up leaves: a manifest whose object never came (or went).
        const string lone = "data/xx/xx0rphan0000000000000000000000/1.00000000feedface";
        t.Put(PartManifest.KeyFor(lone), Content(136, 32), new Dictionary<string, string>());
        r = Tierfs("verify", m.MountPoint);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Equal([$"orphan {PartManifest.KeyFor(lone)}"], DiffLines(r).Select(l => l[..l.IndexOf(':', StringComparison.Ordinal)]));
        Assert.Contains($"a part manifest whose object {lone} is gone", r.Stdout);

        r = Tierfs("verify", m.MountPoint, "--repair");
        Assert.True(r.ExitCode == 1 && r.Stdout.Contains("; 1 repaired"), r.ToString());
        Assert.True(Proc.WaitUntil(() => !t.Exists(PartManifest.KeyFor(lone)), TimeSpan.FromSeconds(30)), "the lone manifest was not deleted\n" + m.Log);
        Assert.True(t.Exists(manifest));
        Assert.Equal(big, File.ReadAllBytes(m.M("big.bin")));
        Assert.True(Tierfs("verify", m.MountPoint).ExitCode == 0);

        // Every recorded run is an entry of the operation log (what the peer node receives): the bytes
        // of the objects checked, and failed with the counts when it found differences.
        var log = Query(m.MountPoint, "SELECT origin, op, path, bytes, ok, error FROM oplog WHERE op = 'verify' ORDER BY seq");
        Assert.Equal([true, false, false, true], log.Select(e => e.GetProperty("ok").GetInt64() == 1));
        Assert.All(log, e => Assert.Equal(big.Length, e.GetProperty("bytes").GetInt64()));
        Assert.All(log, e => Assert.False(string.IsNullOrEmpty(e.GetProperty("origin").GetString())));
        Assert.Contains("run 2 (object) found 1 difference(s)", log[1].GetProperty("error").GetString());
        Assert.Contains("1 orphans", log[1].GetProperty("error").GetString());
    }

    [Fact]
    public void The_daemon_verifies_on_its_schedule_and_raises_the_alarm()
    {
        using var t = S3TierMount.Start(_s3, "verify-schedule/", topYaml: "verify:\n  interval: 2s\n  level: object\n");
        var m = t.M;
        Put(t, "a.bin", Content(100_000, 21), release: true);
        Assert.True(Proc.WaitUntil(() => Query(m.MountPoint, "SELECT id FROM verify_runs WHERE trigger = 'schedule' AND status = 'clean'").Count > 0, TimeSpan.FromSeconds(60)),
            "no scheduled verify ran");
        Assert.Equal("no open alarms", Tierfs("alarms", m.MountPoint).Stdout.Trim());

        t.Delete(t.ObjectKeyOf("a.bin"));
        Assert.True(Proc.WaitUntil(() => Tierfs("alarms", m.MountPoint).Stdout.Contains("1 difference"), TimeSpan.FromSeconds(60)), "the scheduled verify raised no alarm");
        var run = Query(m.MountPoint, "SELECT trigger, missing FROM verify_runs WHERE status = 'differences' ORDER BY id LIMIT 1").Single();
        Assert.Equal(("schedule", 1L), (run.GetProperty("trigger").GetString(), run.GetProperty("missing").GetInt64()));
        Assert.Contains(m.Log.Split('\n'), l => l.Contains("ERROR") && l.Contains("alarm 1: verify run"));
    }
}
