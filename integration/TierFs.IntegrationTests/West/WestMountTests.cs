using System.Text;
using TierFs.IntegrationTests.Harness;
using TierFs.IntegrationTests.Remote;
using TierFs.Namespace;
using static TierFs.IntegrationTests.West.WestTree;

namespace TierFs.IntegrationTests.West;

/// <summary>
/// `tierfs mount --remote` against a real s3rver shared with a real east mount (two state
/// directories): the tree listed west entry by entry, archived data read west byte for byte,
/// writes refused, changes east followed within the refresh bound, a pinned generation, forged data.
/// </summary>
public class WestMountTests(S3ServerFixture fixture) : IClassFixture<S3ServerFixture>
{
    private const int EROFS = 30, ENODATA = 61;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly S3Server _s3 = fixture.Server;

    /// <summary>A file of several parts (5 MiB each: the smallest S3 allows), its last one short.</summary>
    private const string Multi = "proj/data/multi.bin";
    private static readonly byte[] MultiData = Content((12 << 20) + 3, 7);
    private static readonly string[] Archived = ["proj/data/big.h5", "proj/odd.bin", "one.txt", "proj/data/small.dat", "proj/page.bin", Multi];

    private static S3TierMount East(S3Server s3, string prefix, out Dictionary<string, byte[]> files)
    {
        var t = S3TierMount.Start(s3, prefix, "part_size: 5M", S3TierMount.Pair("gfs"));
        try
        {
            files = Build(t.M, Archived.Where(p => p != Multi).ToArray());
            File.WriteAllBytes(t.M.M(Multi), MultiData);
            files[Multi] = MultiData;
            Ok(Tierfs("migrate", t.M.M(Multi)));
            Ok(Tierfs("sync", t.M.MountPoint));
            return t;
        }
        catch
        {
            t.Dispose();
            throw;
        }
    }

    /// <summary>Both trees hold the same names, and each entry the same type, size, mode, owner, mtime, nlink and symlink target.</summary>
    private static void AssertSameTree(string east, string west)
    {
        var names = Walk(east);
        Assert.Equal(names, Walk(west));
        foreach (var path in names)
        {
            var (e, w) = (Px.Stat(path.Length == 0 ? east : Path.Combine(east, path)), Px.Stat(path.Length == 0 ? west : Path.Combine(west, path)));
            var what = $"/{path}: east {e.Full}\nwest {w.Full}";
            Assert.True(e.Mode == w.Mode && e.Uid == w.Uid && e.Gid == w.Gid && e.Nlink == w.Nlink && e.Mtime == w.Mtime, what);
            if (!e.IsDir) Assert.True(e.Size == w.Size, what);
            if (e.IsLink) Assert.Equal(new FileInfo(Path.Combine(east, path)).LinkTarget, new FileInfo(Path.Combine(west, path)).LinkTarget);
        }
    }

    [Fact]
    public void The_west_mount_lists_the_east_tree_entry_by_entry_reads_archived_files_byte_for_byte_and_refuses_writes()
    {
        using var t = East(_s3, "west-mount-tree/", out var files);
        using var w = WestMount.Start(t);

        AssertSameTree(t.M.MountPoint, w.MountPoint);
        // Hard links are one inode west too; a symlink reads as east wrote it.
        Assert.Equal(Px.Stat(w.W("small-link.dat")).Ino, Px.Stat(w.W("proj/data/small.dat")).Ino);
        Assert.NotEqual(Px.Stat(w.W("one.txt")).Ino, Px.Stat(w.W("proj/data/small.dat")).Ino);
        Assert.Equal("proj/data/big.h5", new FileInfo(w.W("latest")).LinkTarget);
        Assert.Equal(0, Px.TryGetXattr(w.W("proj/odd.bin"), "user.project", out var xattr));
        Assert.Equal("heb", Encoding.UTF8.GetString(xattr));

        // Archived data, byte for byte, through the links too; an empty file is empty.
        foreach (var path in Archived.Append("small-link.dat").Append("latest")) Assert.Equal(path == "latest" ? files["proj/data/big.h5"] : files[path], File.ReadAllBytes(w.W(path)));
        Assert.Empty(File.ReadAllBytes(w.W("empty.txt")));
        // A read in the middle, across the boundary of parts 2 and 3 (5 MiB each).
        var fd = Px.Open(w.W(Multi), Px.O_RDONLY);
        try
        {
            const long At = (10L << 20) - 1000;
            Assert.Equal(MultiData.AsSpan((int)At, 3000).ToArray(), Px.PRead(fd, 3000, At));
            Assert.Equal(MultiData.AsSpan(MultiData.Length - 10).ToArray(), Px.PRead(fd, 100, MultiData.Length - 10));
        }
        finally { Px.Close(fd); }

        // Data only east: one errno, and a line in the log.
        Assert.Equal(ENODATA, Px.TryOpen(w.W("local-only.txt"), Px.O_RDONLY, out _));
        Assert.Contains("/local-only.txt: open refused (ENODATA): its data is only east", w.Log);

        // Read-only: every change is EROFS.
        Assert.Equal(EROFS, Px.TryOpen(w.W("new.txt"), Px.O_WRONLY | Px.O_CREAT, out _));
        Assert.Equal(EROFS, Px.TryOpen(w.W("one.txt"), Px.O_WRONLY, out _));
        Assert.Equal(EROFS, Px.TryOpen(w.W("one.txt"), Px.O_RDONLY | Px.O_TRUNC, out _));
        Assert.Equal(EROFS, Px.Mkdir(w.W("d")));
        Assert.Equal(EROFS, Px.Rmdir(w.W("proj/data/empty-dir")));
        Assert.Equal(EROFS, Px.Unlink(w.W("one.txt")));
        Assert.Equal(EROFS, Px.Rename(w.W("one.txt"), w.W("two.txt")));
        Assert.Equal(EROFS, Px.Symlink("one.txt", w.W("l")));
        Assert.Equal(EROFS, Px.Link(w.W("one.txt"), w.W("h")));
        Assert.Equal(EROFS, Px.Chmod(w.W("one.txt"), 0x1FF));
        Assert.Equal(EROFS, Px.Lchown(w.W("one.txt"), 1, 1));
        Assert.Equal(EROFS, Px.Truncate(w.W("one.txt"), 0));
        Assert.Equal(EROFS, Px.SetXattr(w.W("one.txt"), "user.x", "y"u8));
        Assert.Equal(EROFS, Px.RemoveXattr(w.W("proj/odd.bin"), "user.project"));
        Assert.Equal(files["one.txt"], File.ReadAllBytes(w.W("one.txt")));
        // The tier commands are east's: one clear line each.
        var state = Tierfs("state", w.W("one.txt"));
        Assert.True(state.ExitCode != 0 && state.Stderr.Contains($"one.txt: on the west mount {w.MountPoint} (tierfs mount --remote)", StringComparison.Ordinal), state.ToString());
        var status = Tierfs("status", w.MountPoint);
        Assert.Equal(2, status.ExitCode);
        Assert.Contains("(tierfs mount --remote), a read-only view of the remote tier: this command works on east mounts", status.Stderr);

        // Another user: the east modes and owners decide (0640 of 1234:567 is closed to nobody, 0644 open).
        File.SetUnixFileMode(Path.GetDirectoryName(w.MountPoint)!, (UnixFileMode)0b111_101_101);
        var denied = Proc.RunAsNobody(["cat", w.W("proj/page.bin")]);
        Assert.True(denied.ExitCode != 0 && denied.Stderr.Contains("Permission denied", StringComparison.Ordinal), denied.ToString());
        var allowed = Proc.RunAsNobody(["cat", w.W("one.txt")]);
        Assert.True(allowed.ExitCode == 0 && allowed.Stdout == "x", allowed.ToString());
    }

    [Fact]
    public void Changes_synced_east_show_west_within_the_refresh_bound_and_a_pinned_generation_keeps_the_old_view()
    {
        using var t = East(_s3, "west-mount-follow/", out var files);
        using var w = WestMount.Start(t);
        var inoBefore = Px.Stat(w.W("proj/data/big.h5")).Ino;
        Assert.Equal(files["proj/data/big.h5"], File.ReadAllBytes(w.W("proj/data/big.h5")));

        // East: a directory renamed, a file unlinked, a file created and archived; then synced.
        Assert.Equal(0, Px.Rename(t.M.M("proj"), t.M.M("project")));
        File.Delete(t.M.M("one.txt"));
        var fresh = Content(70_000, 11);
        File.WriteAllBytes(t.M.M("fresh.bin"), fresh);
        Ok(Tierfs("migrate", t.M.M("fresh.bin")));
        Ok(Tierfs("sync", t.M.MountPoint));

        bool Shows() => Directory.Exists(w.W("project")) && !Directory.Exists(w.W("proj")) && !File.Exists(w.W("one.txt")) && File.Exists(w.W("fresh.bin"));
        Assert.True(Proc.WaitUntil(Shows, Bound), $"the west mount did not show generation 2 within {Bound.TotalSeconds}s: {w.Log}");
        AssertSameTree(t.M.MountPoint, w.MountPoint);
        Assert.Equal(fresh, File.ReadAllBytes(w.W("fresh.bin")));
        // The renamed directory's files are the same nodes, with the same data.
        Assert.Equal(inoBefore, Px.Stat(w.W("project/data/big.h5")).Ino);
        Assert.Equal(files["proj/data/big.h5"], File.ReadAllBytes(w.W("project/data/big.h5")));
        Assert.Equal(files[Multi], File.ReadAllBytes(w.W("project/data/multi.bin")));

        // Generation 1, pinned: the tree as it was at the first sync.
        using var pinned = WestMount.Start(t, "west:\n  refresh: 1s\n", "--generation", "1");
        Assert.True(Directory.Exists(pinned.W("proj")));
        Assert.False(Directory.Exists(pinned.W("project")));
        Assert.False(File.Exists(pinned.W("fresh.bin")));
        Assert.Equal(files["one.txt"], File.ReadAllBytes(pinned.W("one.txt")));
        Assert.Equal(files[Multi], File.ReadAllBytes(pinned.W(Multi)));
        Assert.Contains("generation 1", pinned.Log);
        Assert.Contains("(pinned)", pinned.Log);

        var empty = Directory.CreateDirectory(Path.Combine(t.M.Root, "west-missing")).FullName;
        var missing = ProcEnv.Run(Proc.Tierfs, ["mount", "--remote", "--config", w.ConfigFile, empty, "--state-dir", Path.Combine(t.M.Root, "west-missing-state"), "--generation", "9"], S3TierMount.AwsEnv);
        Assert.Equal(2, missing.ExitCode);
        Assert.Equal("tierfs: generation 9 of the pair 'heb' does not exist (the latest is 2)", missing.Stderr.Trim());
    }

    [Fact]
    public void The_part_cache_on_disk_stays_within_cache_size_while_every_file_reads_right()
    {
        using var t = East(_s3, "west-mount-cache/", out var files);
        using var w = WestMount.Start(t, "west:\n  refresh: 1s\n  cache_size: 16M\n");
        var cache = Path.Combine(w.StateDir, "west-cache");
        // A part being fetched (.fetch-*) may be renamed or removed between the listing and its stat.
        long Held() => Directory.EnumerateFiles(cache).Sum(f =>
        {
            try { return new FileInfo(f).Length; }
            catch (FileNotFoundException) { return 0L; }
        });
        // First a few bytes of every part: parts not read whole go to disk when they leave memory.
        foreach (var path in Archived)
        {
            var fd = Px.Open(w.W(path), Px.O_RDONLY);
            try
            {
                for (long at = 0; at < files[path].Length; at += 5 << 20)
                    Assert.Equal(files[path].AsSpan((int)at, (int)Math.Min(100, files[path].Length - at)).ToArray(), Px.PRead(fd, 100, at));
            }
            finally { Px.Close(fd); }
            Assert.True(Held() <= 16 << 20, $"the cache holds {Held()} bytes after {path}");
        }
        // 12 MiB in parts of 5 MiB, twice, and 5 MiB more: more than the 16 MiB the cache may hold.
        for (var round = 0; round < 2; round++)
            foreach (var path in Archived)
            {
                Assert.Equal(files[path], File.ReadAllBytes(w.W(path)));
                Assert.True(Held() <= 16 << 20, $"the cache holds {Held()} bytes after {path}");
            }
        Assert.True(Proc.WaitUntil(() => Held() > 0, Bound), "nothing was cached on disk");
    }

    [Fact]
    public void A_file_read_start_to_end_is_served_from_memory_and_never_written_to_the_cache_directory()
    {
        using var t = East(_s3, "west-mount-memory/", out var files);
        using var w = WestMount.Start(t, "west:\n  refresh: 1s\n  cache_size: 16M\n");
        var cache = Path.Combine(w.StateDir, "west-cache");
        // Parts read in order, more of them than the 16 MiB held in memory: each is in the kernel's
        // page cache once read, and a copy on disk would cost the reader a second write of every byte.
        foreach (var path in new[] { Multi, "proj/data/big.h5", "proj/odd.bin" })
            Assert.Equal(files[path], File.ReadAllBytes(w.W(path)));
        Assert.Empty(Directory.EnumerateFiles(cache));
        Assert.Contains("in memory)", w.Log);
    }

    [Fact]
    public async Task Concurrent_random_reads_through_a_small_cache_while_generations_change_return_only_the_right_bytes()
    {
        using var t = East(_s3, "west-mount-stress/", out var files);
        // 16 MiB of cache for parts of 5 MiB: readers keep evicting each other's parts.
        using var w = WestMount.Start(t, "west:\n  refresh: 1s\n  cache_size: 16M\n  read_ahead: 2\n");
        string[] paths = [Multi, "proj/data/big.h5", "proj/odd.bin", "small-link.dat"];
        using var stop = new CancellationTokenSource();
        var reads = 0L;
        var readers = Enumerable.Range(0, 8).Select(n => Task.Run(() =>
        {
            var random = new Random(n);
            while (!stop.IsCancellationRequested)
            {
                var path = paths[random.Next(paths.Length)];
                var data = files[path];
                var fd = Px.Open(w.W(path), Px.O_RDONLY);
                try
                {
                    for (var i = 0; i < 8; i++)
                    {
                        var at = random.NextInt64(data.Length);
                        var count = random.Next(1, 1 << 20);
                        var got = Px.PRead(fd, count, at);
                        var want = data.AsSpan((int)at, (int)Math.Min(count, data.Length - at));
                        Assert.True(want.SequenceEqual(got), $"{path}: wrong bytes at {at} (+{count})");
                        Interlocked.Increment(ref reads);
                    }
                }
                finally { Px.Close(fd); }
            }
        })).ToArray();
        // Meanwhile east changes and publishes: new generations are swapped in under the readers.
        for (var g = 0; g < 4; g++)
        {
            File.WriteAllText(t.M.M($"gen{g}.txt"), $"{g}");
            Ok(Tierfs("sync", t.M.MountPoint));
            var name = $"gen{g}.txt";
            Assert.True(Proc.WaitUntil(() => readers.Any(r => r.IsCompleted) || File.Exists(w.W(name)), Bound), $"{name} did not show west: {w.Log}");
        }
        await stop.CancelAsync();
        await Task.WhenAll(readers); // a reader's assertion, if one failed
        Assert.True(Interlocked.Read(ref reads) > 100, $"only {reads} reads");
        Assert.DoesNotContain("failed (EIO)", w.Log);
        Assert.True(Directory.EnumerateFiles(Path.Combine(w.StateDir, "west-cache")).Sum(f => new FileInfo(f).Length) <= 16 << 20);
    }

    [Fact]
    public void A_forged_object_of_the_same_size_reads_as_EIO_with_a_log_line_never_as_wrong_bytes()
    {
        using var t = East(_s3, "west-mount-forged/", out var files);
        using var w = WestMount.Start(t);
        // One single-part object and one part of a multi-part one, each replaced by other bytes of the same size.
        t.Put(t.ObjectKeyOf("proj/data/big.h5"), Content(files["proj/data/big.h5"].Length, 99), new Dictionary<string, string>());
        var forged = (byte[])MultiData.Clone();
        forged[(6 << 20) + 5] ^= 0x40; // in part 2
        t.Put(t.ObjectKeyOf(Multi), forged, new Dictionary<string, string>());

        var fd = Px.Open(w.W("proj/data/big.h5"), Px.O_RDONLY);
        try { Assert.Equal(5 /* EIO */, Px.TryPRead(fd, 4096, 0, out _)); }
        finally { Px.Close(fd); }
        fd = Px.Open(w.W(Multi), Px.O_RDONLY);
        try
        {
            Assert.Equal(MultiData.AsSpan(0, 4096).ToArray(), Px.PRead(fd, 4096, 0)); // part 1 is intact
            Assert.Equal(5, Px.TryPRead(fd, 4096, 6 << 20, out _));
        }
        finally { Px.Close(fd); }
        Assert.Contains("proj/data/big.h5: read of bytes", w.Log);
        Assert.Contains("failed (EIO)", w.Log);
        Assert.Contains("part 2/3", w.Log);
    }

    [Fact]
    public void A_new_generation_drops_what_the_kernel_cached_even_with_hour_long_cache_timeouts()
    {
        using var t = S3TierMount.Start(_s3, "west-mount-inval/", "", S3TierMount.Pair("gfs"));
        Directory.CreateDirectory(t.M.M("dir/sub"));
        File.WriteAllText(t.M.M("dir/sub/f.txt"), "f");
        File.WriteAllText(t.M.M("gone.txt"), "g");
        File.WriteAllText(t.M.M("mode.txt"), "m");
        Ok(Tierfs("sync", t.M.MountPoint));
        // Names and attributes cached for an hour: only the mount's notices can make a change show.
        using var w = WestMount.Start(t, "west:\n  refresh: 1s\n", "-o", "attr_timeout=3600,entry_timeout=3600");
        Assert.True(File.Exists(w.W("dir/sub/f.txt")) && File.Exists(w.W("gone.txt")));
        Assert.Equal(0x1A4u, Px.Stat(w.W("mode.txt")).Perm);

        Assert.Equal(0, Px.Rename(t.M.M("dir"), t.M.M("renamed")));
        File.Delete(t.M.M("gone.txt"));
        Assert.Equal(0, Px.Chmod(t.M.M("mode.txt"), 0x180));
        Ok(Tierfs("sync", t.M.MountPoint));
        bool Shows() => !Directory.Exists(w.W("dir")) && File.Exists(w.W("renamed/sub/f.txt")) && !File.Exists(w.W("gone.txt")) && Px.Stat(w.W("mode.txt")).Perm == 0x180;
        Assert.True(Proc.WaitUntil(Shows, Bound), $"the kernel kept what a new generation changed: {w.Log}");
    }

    [Fact]
    public void A_damaged_pointer_leaves_the_mount_serving_the_generation_it_has_until_a_good_one_comes()
    {
        using var t = S3TierMount.Start(_s3, "west-mount-badptr/", "", S3TierMount.Pair("gfs"));
        File.WriteAllText(t.M.M("first.txt"), "1");
        Ok(Tierfs("sync", t.M.MountPoint));
        using var w = WestMount.Start(t);
        var good = t.Body("ns/heb/pointer");
        t.Put("ns/heb/pointer", "{ not a pointer"u8.ToArray(), new Dictionary<string, string>());
        Assert.True(Proc.WaitUntil(() => w.Log.Contains("generation 1 kept: the namespace could not be read: the pointer is not readable", StringComparison.Ordinal), Bound), w.Log);
        Assert.Equal(1, Px.Stat(w.W("first.txt")).Size); // still served (its data is east-only; its name and attributes are west)
        File.WriteAllText(t.M.M("second.txt"), "2");
        t.Put("ns/heb/pointer", Encoding.UTF8.GetBytes(good), new Dictionary<string, string>()); // repaired
        Ok(Tierfs("sync", t.M.MountPoint));
        Assert.True(Proc.WaitUntil(() => File.Exists(w.W("second.txt")), Bound), w.Log);
    }

    [Fact]
    public void A_gpeer_recall_east_makes_the_file_east_only_west_after_the_next_sync()
    {
        using var t = S3TierMount.Start(_s3, "west-mount-gpeer/", "", S3TierMount.Pair("gpeer"));
        var data = Content(200_000, 21);
        File.WriteAllBytes(t.M.M("doc.bin"), data);
        Ok(Tierfs("migrate", t.M.M("doc.bin")));
        Ok(Tierfs("sync", t.M.MountPoint));
        using var w = WestMount.Start(t);
        Assert.Equal(data, File.ReadAllBytes(w.W("doc.bin")));

        Ok(Tierfs("recall", t.M.M("doc.bin")));
        Ok(Tierfs("sync", t.M.MountPoint));
        // The entry stays west (gpeer keeps the metadata); its data is east only now.
        Assert.True(Proc.WaitUntil(() => Px.TryOpen(w.W("doc.bin"), Px.O_RDONLY, out var fd) is var rc && (rc != 0 || Px.TryClose(fd) != 0) && rc == ENODATA, Bound),
            $"doc.bin did not become east-only west within {Bound.TotalSeconds}s: {w.Log}");
        Assert.Equal(data.Length, Px.Stat(w.W("doc.bin")).Size);
        Assert.Contains("/doc.bin: open refused (ENODATA): its data is only east", w.Log);
    }

    [Fact]
    public async Task A_reader_west_during_syncs_sees_each_generation_whole_never_a_half()
    {
        using var t = S3TierMount.Start(_s3, "west-mount-cut/", "", S3TierMount.Pair("gfs"));
        const int Rounds = 5, PerRound = 30;
        void Round(int i)
        {
            Directory.CreateDirectory(t.M.M($"round{i}"));
            for (var j = 0; j < PerRound; j++) File.WriteAllText(t.M.M($"round{i}/f{j}"), $"{i}.{j}");
            Ok(Tierfs("sync", t.M.MountPoint));
        }
        Round(0);
        using var w = WestMount.Start(t);
        var seen = new HashSet<int>();
        using var stop = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                // A round is published whole and never changed after: any round seen west must be whole.
                var rounds = Directory.GetDirectories(w.MountPoint).Select(Path.GetFileName).Where(n => n!.StartsWith("round", StringComparison.Ordinal)).ToList();
                foreach (var r in rounds) Assert.Equal(PerRound, Directory.GetFiles(Path.Combine(w.MountPoint, r!)).Length);
                lock (seen) seen.Add(rounds.Count);
            }
        });
        for (var i = 1; i < Rounds; i++) Round(i);
        bool SawAll() { lock (seen) return seen.Contains(Rounds); }
        Assert.True(Proc.WaitUntil(() => reader.IsCompleted || SawAll(), Bound), $"the west reader never saw generation {Rounds}: {w.Log}");
        stop.Cancel();
        await reader; // its assertion, if one failed
        Assert.True(SawAll());
    }

    [Fact]
    public async Task A_crafted_namespace_shows_only_what_can_be_names_and_its_unverifiable_file_is_EIO()
    {
        const string Prefix = "west-mount-crafted/";
        using var m = TestMount.Create();
        await PublishCraftedAsync(_s3, Prefix, [.. Crafted("/etc"), Entry(10, 1, "setuid", NsEntry.TypeFile) with { Mode = 0x8000 | 0xDED /* 06755 */, Uid = 0 }]);
        var config = Path.Combine(m.Root, "west.yaml");
        File.WriteAllText(config, $"remote:\n  type: s3\n  endpoint: {_s3.Endpoint}\n  bucket: {_s3.Bucket}\n  prefix: {Prefix}\n{S3TierMount.Pair("gfs")}");
        var r = ProcEnv.Run(Proc.Tierfs, ["mount", "--remote", "--config", config, m.MountPoint, "--state-dir", m.StateDir], S3TierMount.AwsEnv);
        Assert.True(r.ExitCode == 0, r.ToString());

        // Symlinks are listed as they are (the kernel resolves them as any other); nothing below a symlink.
        Assert.Equal(["abs-link", "escape", "ok.txt", "setuid"], Directory.EnumerateFileSystemEntries(m.MountPoint).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Contains("3 entries left out (a name that cannot be a name", m.Log);
        Assert.Equal("../outside", new FileInfo(m.M("escape")).LinkTarget); // a symlink, resolved by the kernel as any other
        // Its record has no BLAKE3 digest: nothing could verify its bytes.
        Assert.Equal(5, Px.TryOpen(m.M("ok.txt"), Px.O_RDONLY, out _));
        Assert.Contains("/ok.txt: EIO: its record cannot be verified part by part", m.Log);
        // The mount is nosuid: a set-id bit from the remote tier gives no one anything.
        Assert.Contains("nosuid", TierFs.Fuse.MountTable.At(m.MountPoint)!.Options, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("west:\n  refresh: 0s\n", "west.refresh: expected a duration from 1s to 1d (like 30s, 10m, 1h or 7d), got '0s'")]
    [InlineData("west:\n  cache_size: lots\n", "west.cache_size: expected a size from 16M")]
    [InlineData("", "no pair: is configured; the west mount serves the pair's namespace")]
    public void A_bad_west_configuration_is_one_line_and_exit_status_2_and_mounts_nothing(string yaml, string expected)
    {
        using var m = TestMount.Create();
        var config = Path.Combine(m.Root, "west.yaml");
        var pair = yaml.Length == 0 ? "" : S3TierMount.Pair("gfs");
        File.WriteAllText(config, $"remote:\n  type: s3\n  endpoint: {_s3.Endpoint}\n  bucket: {_s3.Bucket}\n  prefix: west-bad/\n{pair}{yaml}");
        var r = ProcEnv.Run(Proc.Tierfs, ["mount", "--remote", "--config", config, m.MountPoint, "--state-dir", m.StateDir], S3TierMount.AwsEnv);
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Contains(expected, r.Stderr);
        Assert.False(m.IsMounted);
        var two = ProcEnv.Run(Proc.Tierfs, ["mount", "--remote", "--config", config, m.Backing, m.MountPoint], S3TierMount.AwsEnv);
        Assert.Equal(2, two.ExitCode);
        Assert.Equal("tierfs: mount --remote takes one path, the MOUNTPOINT (the tree is the remote tier's namespace, not a BACKING directory)", two.Stderr.Trim());
        var east = ProcEnv.Run(Proc.Tierfs, ["mount", "--remote", "--config", config, m.MountPoint, "-o", "attr_timeout=2,allow_foreign"], S3TierMount.AwsEnv);
        Assert.Equal(2, east.ExitCode);
        Assert.StartsWith("tierfs: mount --remote: option allow_foreign is for mounts of a local tree; a west mount takes attr_timeout, config, debug,", east.Stderr.Trim());
    }
}
