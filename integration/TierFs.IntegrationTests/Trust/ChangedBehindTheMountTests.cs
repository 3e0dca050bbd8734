using TierFs.IntegrationTests.Harness;
using static TierFs.IntegrationTests.Tiering.TierHarness;
using static TierFs.IntegrationTests.Trust.TrustHarness;

namespace TierFs.IntegrationTests.Trust;

/// <summary>
/// A stub whose backing file was changed behind the mount (appended to while unmounted) no longer
/// matches its record: state says mismatch and why, report counts it, an open fails with EIO at
/// once (nothing downloaded), and `tierfs resolve` makes it one file again, either way. Times set
/// through the mount on a stub are the user's and keep it a stub that recalls.
/// </summary>
public sealed class ChangedBehindTheMountTests
{
    private const int MiB = 1024 * 1024;

    private static (TestMount M, byte[] Data) AppendedWhileUnmounted(string name, int seed)
    {
        var m = TestMount.Start();
        var data = Content(9 * MiB, seed);
        File.WriteAllBytes(m.M(name), data);
        Migrate(m.M(name));
        Assert.Equal(0, m.Unmount().ExitCode);
        using (var f = new FileStream(m.B(name), FileMode.Append)) f.Write("appended\n"u8);
        m.Mount();
        return (m, data);
    }

    [Fact]
    public void A_stub_appended_to_while_unmounted_shows_mismatch_and_why_and_its_open_fails_at_once()
    {
        var (m, _) = AppendedWhileUnmounted("m.bin", seed: 81);
        using (m)
        {
            var r = Tierfs("state", m.M("m.bin"));
            Assert.True(r.ExitCode == 0 && r.Stdout.Trim() == $"mismatch {m.M("m.bin")}", r.ToString());
            Assert.Contains("changed behind the mount", r.Stderr);
            Assert.Contains($"{9 * MiB + 9} bytes where {9 * MiB} were released", r.Stderr);
            Assert.Contains("tierfs resolve", r.Stderr);

            Assert.Equal(Px.EIO, OpenErrno(m.M("m.bin")));
            Assert.Contains(m.Log.Split('\n'), l => l.Contains("m.bin") && l.Contains("changed behind the mount"));
            Assert.DoesNotContain(m.Log.Split('\n'), l => l.Contains("after recall, expected"));

            var scan = Tierfs("scan", m.MountPoint);
            Assert.True(scan.ExitCode == 0, scan.ToString());
            var report = Tierfs("report", m.MountPoint, "--format", "json");
            Assert.True(report.ExitCode == 0, report.ToString());
            using var doc = System.Text.Json.JsonDocument.Parse(report.Stdout);
            var mismatch = doc.RootElement.GetProperty("states").EnumerateArray().Single(e => e.GetProperty("state").GetString() == "mismatch");
            Assert.Equal(1, mismatch.GetProperty("files").GetInt64());
            var q = Tierfs("query", m.MountPoint, "SELECT count(*) FROM files WHERE state = 'mismatch'", "--format", "csv");
            Assert.True(q.ExitCode == 0 && q.Stdout.Split('\n')[1].Trim() == "1", q.ToString());
        }
    }

    [Fact]
    public void Resolve_keep_remote_needs_force_over_local_data_then_brings_the_archived_file_back()
    {
        var (m, data) = AppendedWhileUnmounted("r.bin", seed: 82);
        using (m)
        {
            var r = Tierfs("resolve", "--keep-remote", m.M("r.bin"));
            Assert.True(r.ExitCode == 1 && r.Stderr.Contains("--force"), r.ToString());
            Assert.Equal("mismatch", State(m.M("r.bin")));

            r = Tierfs("resolve", "--keep-remote", "--force", m.M("r.bin"));
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal(data, File.ReadAllBytes(m.M("r.bin")));
            Assert.Equal("archived", State(m.M("r.bin")));
        }
    }

    [Fact]
    public void Resolve_keep_local_keeps_the_backing_file_as_it_is_and_drops_the_archive()
    {
        var (m, _) = AppendedWhileUnmounted("l.bin", seed: 83);
        using (m)
        {
            var r = Tierfs("resolve", "--keep-local", m.M("l.bin"));
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal("resident", State(m.M("l.bin")));
            var now = File.ReadAllBytes(m.M("l.bin"));
            Assert.Equal(9 * MiB + 9, now.Length);
            Assert.Equal("appended\n"u8.ToArray(), now[(9 * MiB)..]);

            r = Tierfs("resolve", "--keep-local", m.M("l.bin"));
            Assert.True(r.ExitCode == 1 && r.Stderr.Contains("nothing to resolve"), r.ToString());
            r = Tierfs("resolve", m.M("l.bin"));
            Assert.True(r.ExitCode == 2, r.ToString());
        }
    }

    [Fact]
    public void Touching_a_stub_through_the_mount_keeps_it_a_stub_that_recalls_with_the_new_times()
    {
        using var m = TestMount.Start();
        var data = Content(2 * MiB, seed: 84);
        File.WriteAllBytes(m.M("t.bin"), data);
        Migrate(m.M("t.bin"));
        var when = new Ts(1_600_000_000, 123_000_000);
        Assert.Equal(0, Px.Utimens(m.M("t.bin"), when, when));

        Assert.Equal("released", State(m.M("t.bin")));
        Assert.Equal(data, File.ReadAllBytes(m.M("t.bin")));
        Assert.Equal(when, Px.Stat(m.M("t.bin")).Mtime);
    }
}
