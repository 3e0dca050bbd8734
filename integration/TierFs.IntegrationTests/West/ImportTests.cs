using System.Text;
using TierFs.IntegrationTests.Harness;
using TierFs.IntegrationTests.Remote;
using TierFs.Namespace;
using TierFs.Records;
using static TierFs.IntegrationTests.West.WestTree;

namespace TierFs.IntegrationTests.West;

/// <summary>
/// `tierfs import` against a real s3rver: the east tree wiped and rebuilt as stubs from the remote
/// tier alone, then mounted (every archived file has its bytes back on open); a crafted namespace refused.
/// </summary>
public class ImportTests(S3ServerFixture fixture) : IClassFixture<S3ServerFixture>
{
    private readonly S3Server _s3 = fixture.Server;

    [Fact]
    public async Task Import_after_wiping_the_east_tree_gives_back_every_archived_file_with_the_same_bytes_on_open()
    {
        using var t = S3TierMount.Start(_s3, "west-import/", "", S3TierMount.Pair("gfs"));
        var m = t.M;
        var archived = new[] { "proj/data/big.h5", "proj/odd.bin", "one.txt", "proj/data/small.dat", "proj/page.bin", "empty.txt" };
        var files = Build(m, archived);
        Ok(Tierfs("sync", m.MountPoint));
        var before = await LoadAsync(_s3, t.Prefix);
        Assert.Equal(0, m.Unmount().ExitCode);
        // Disaster: the east tree is gone.
        foreach (var entry in Directory.EnumerateFileSystemEntries(m.Backing))
        {
            if (Px.Stat(entry).IsDir) Directory.Delete(entry, recursive: true);
            else File.Delete(entry);
        }

        using var fresh = TestMount.Create();
        File.WriteAllText(Path.Combine(fresh.Backing, "stray"), "x");
        var refused = Tierfs("import", "--config", t.ConfigFile, fresh.Backing);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("is not empty", refused.Stderr);
        File.Delete(Path.Combine(fresh.Backing, "stray"));

        var r = Tierfs("import", "--config", t.ConfigFile, fresh.Backing);
        Ok(r);
        Assert.Contains("1 files were never archived (their data was only east), not created:\n  local-only.txt\n", r.Stdout);
        Assert.True(r.Stdout.Contains("imported 3 directories, 6 stubs", StringComparison.Ordinal), r.Stdout);
        Assert.False(File.Exists(Path.Combine(fresh.Backing, "local-only.txt")));

        var mount = ProcEnv.Run(Proc.Tierfs, ["mount", fresh.Backing, fresh.MountPoint, "--state-dir", fresh.StateDir, "--config", t.ConfigFile], S3TierMount.AwsEnv);
        Assert.True(mount.ExitCode == 0, mount.ToString());
        // Every name as it was (the never-archived file aside), with its attributes.
        var expected = before.Walk().Where(w => w.Path != "local-only.txt").Select(w => w.Path).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, Walk(fresh.MountPoint));
        foreach (var path in archived.Where(p => files[p].Length > 0))
        {
            Assert.Equal("released", Tierfs("state", fresh.M(path)).Stdout.Split(' ')[0]);
            var e = before.Lookup(path)!;
            var st = Px.Stat(fresh.M(path));
            Assert.Equal((e.Mode, e.Uid, e.Gid, e.Size, e.MtimeNs), ((long)st.Mode, (long)st.Uid, (long)st.Gid, st.Size, st.Mtime.Sec * 1_000_000_000 + st.Mtime.Nsec));
        }
        Assert.Equal(Px.Stat(fresh.M("small-link.dat")).Ino, Px.Stat(fresh.M("proj/data/small.dat")).Ino);
        Assert.Equal("proj/data/big.h5", new FileInfo(fresh.M("latest")).LinkTarget);
        Assert.Equal(0, Px.TryGetXattr(fresh.M("proj/odd.bin"), "user.project", out var xattr));
        Assert.Equal("heb", Encoding.UTF8.GetString(xattr));
        foreach (var path in archived) Assert.Equal(files[path], File.ReadAllBytes(fresh.M(path)));
        Assert.Equal(files["small-link.dat"], File.ReadAllBytes(fresh.M("small-link.dat")));
    }

    [Fact]
    public async Task A_crafted_namespace_is_refused_entry_by_entry_and_nothing_is_written_outside_the_target()
    {
        const string Prefix = "west-crafted/";
        using var work = TestMount.Create();
        var outside = Path.Combine(work.Root, "outside");
        Directory.CreateDirectory(outside);
        var config = Path.Combine(work.Root, "tierfs.yaml");
        File.WriteAllText(config, $"cluster_id: LC_1111\nremote:\n  type: s3\n  endpoint: {_s3.Endpoint}\n  bucket: {_s3.Bucket}\n  prefix: {Prefix}\n  region: us-east-1\n{S3TierMount.Pair("gfs")}");
        await PublishCraftedAsync(_s3, Prefix, Crafted(outside));

        var r = Tierfs("import", "--config", config, work.Backing);

        Assert.Equal(1, r.ExitCode);
        foreach (var name in new[] { "..", "../outside/x", "/etc/passwd", "abs-link", "escape" })
            Assert.Contains($"tierfs: import: {name}: refused: ", r.Stderr);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
        Assert.Equal(["ok.txt"], Directory.EnumerateFileSystemEntries(work.Backing).Select(Path.GetFileName));
        Assert.Contains("5 entries refused", r.Stdout);
    }
}
