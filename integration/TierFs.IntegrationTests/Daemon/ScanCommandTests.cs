using TierFs.IntegrationTests.Harness;
using static TierFs.IntegrationTests.Daemon.DaemonHarness;

namespace TierFs.IntegrationTests.Daemon;

/// <summary>`tierfs scan`: the index follows the backing tree, also where it was changed behind the mount's back.</summary>
public class ScanCommandTests
{
    private static RunResult Scan(TestMount m)
    {
        var r = Tiering.TierHarness.Tierfs("scan", m.MountPoint);
        Assert.True(r.ExitCode == 0, $"scan: {r}\nlog: {m.Log}");
        return r;
    }

    /// <summary>The index as a sorted text, one line per entry (through `tierfs query`, beside the running mount).</summary>
    private static string Dump(TestMount m)
    {
        var r = Tiering.TierHarness.Tierfs("query", m.MountPoint, "--format", "csv",
            "SELECT path, type, size, mode, uid, gid, mtime, nlink, target, state, flags, object_key FROM files ORDER BY path");
        Assert.True(r.ExitCode == 0, $"query: {r}");
        return r.Stdout.Replace(',', ' ');
    }

    /// <summary>Every stamp a scan compares, for the message of a rescan that found changes.</summary>
    private static string Stamps(TestMount m) =>
        Tiering.TierHarness.Tierfs("query", m.MountPoint, "--format", "csv",
            "SELECT path, nlink, size, blocks, mode, atime, mtime, ctime FROM files ORDER BY path").Stdout;

    /// <summary>
    /// Makes the backing tree hold still for what the test does not do itself. A reader of the tree
    /// (any process in the run) moves the atime of a node read for the first time since it changed
    /// (relatime), and ext4 moves a new file's blocks from reserved to allocated on writeback: a
    /// rescan must find such a node changed, but neither is the change under test. An atime in the
    /// future is past relatime's reach (it is after the mtime and ctime, and less than a day old);
    /// syncfs ends the writeback. Only for nodes that changed anyway: setting the atime moves the ctime.
    /// </summary>
    private static void HoldStill(params string[] paths)
    {
        var later = new Ts(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 3600, 0);
        foreach (var path in paths) Assert.Equal(0, Px.Utimens(path, later, Px.Omit, follow: false));
        Assert.Equal(0, Proc.Run("sync", "-f", paths[0]).ExitCode);
    }

    private static string[] Tree(string root) => [root, .. Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)];

    [Fact]
    public void An_incremental_scan_finds_what_was_created_changed_and_deleted_directly_in_the_backing_tree()
    {
        // Made before mounting: no change of the mount's own is still on its way to the index.
        using var m = TestMount.Create();
        Write(m.B("c/f"), 1000, 1);
        Write(m.B("d/g"), 1000, 2);
        Directory.CreateDirectory(m.B("n"));
        HoldStill(Tree(m.Backing));
        m.Mount("--no-daemon");
        Scan(m);
        Assert.Contains("d/g f 1000 ", Dump(m));

        // Behind the mount's back (a separate mountpoint: the backing tree is reachable).
        Write(m.B("n/new"), 5000, 3);
        File.AppendAllText(m.B("c/f"), "more");
        File.Delete(m.B("d/g"));
        HoldStill(m.B("n/new"), m.B("c/f"), m.B("n"), m.B("d"));
        var r = Scan(m);
        // c/f changed; n and d changed too (a directory's mtime moves when a name is added or removed).
        Assert.Matches(@"^\d+ entries: 1 new, 3 changed, 1 deleted, 0 renamed in [\d.]+ s$", r.Stdout.Trim());
        var dump = Dump(m);
        Assert.Contains("n/new f 5000 ", dump);
        Assert.Contains("c/f f 1004 ", dump);
        Assert.DoesNotContain("d/g", dump);

        // Nothing changed since: nothing written, also when another process read the whole tree.
        var stamps = Stamps(m);
        Proc.Check("sh", "-c", "ls -lR \"$1\" && find \"$1\" -type f -exec cat {} +", "sh", m.Backing);
        var again = Scan(m).Stdout.Trim();
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(again, @"^\d+ entries: 0 new, 0 changed, 0 deleted, 0 renamed"),
            $"{again}\nbefore:\n{stamps}\nafter:\n{Stamps(m)}");
    }

    [Fact]
    public void The_index_deleted_and_rebuilt_by_a_scan_equals_the_old_one_states_included()
    {
        var m = TestMount.Start(false, "--no-daemon");
        using var cleanup = m;
        Write(m.M("a/released"), 300_000, 1);
        Write(m.M("a/archived"), 300_000, 2);
        Write(m.M("a/flagged"), 300_000, 3);
        Write(m.M("b/resident"), 300_000, 4);
        File.CreateSymbolicLink(m.M("b/link"), "../a/released");
        Assert.Equal(0, Px.Link(m.M("a/archived"), m.M("b/hard")));
        Tiering.TierHarness.Migrate(m.M("a/released"));
        Assert.Equal(0, Tiering.TierHarness.Tierfs("archive", m.M("a/archived")).ExitCode);
        Assert.Equal(0, Tiering.TierHarness.Tierfs("state", "--set", "norelease", m.M("a/flagged")).ExitCode);
        Scan(m);
        var before = Dump(m);
        Assert.Contains("a/released f 300000 ", before);
        Assert.Contains(" released 0 ", before);
        Assert.Contains(" archived 0 ", before);

        Assert.Equal(0, m.Unmount().ExitCode);
        foreach (var f in Directory.GetFiles(m.StateDir, "index.db*")) File.Delete(f);
        m.Mount("--no-daemon");
        Scan(m);
        Assert.Equal(before, Dump(m));
    }
}
