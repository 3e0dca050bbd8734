using System.Text;
using TierFs.IntegrationTests.Harness;
using TierFs.IntegrationTests.Remote;
using TierFs.Namespace;
using TierFs.Records;
using static TierFs.IntegrationTests.West.WestTree;

namespace TierFs.IntegrationTests.West;

/// <summary>
/// `tierfs sync` on a real mount and a real s3rver: the namespace read back entry by entry,
/// incremental deltas, readers during syncs, the pair rules.
/// </summary>
public class MetaSyncTests(S3ServerFixture fixture) : IClassFixture<S3ServerFixture>
{
    private readonly S3Server _s3 = fixture.Server;

    private static string PairYaml(string role = "gpeer", string syncRole = "master") =>
        S3TierMount.Pair(role).Replace("meta_sync_role: master", $"meta_sync_role: {syncRole}", StringComparison.Ordinal);

    [Fact]
    public async Task Sync_publishes_the_east_tree_and_the_namespace_read_back_matches_it_entry_by_entry()
    {
        using var t = S3TierMount.Start(_s3, "west-sync-full/", "", PairYaml());
        var m = t.M;
        Build(m, "proj/data/big.h5", "proj/odd.bin", "one.txt", "proj/data/small.dat");

        var r = Tierfs("sync", m.MountPoint);
        Ok(r);
        Assert.StartsWith("published generation 1 (snapshot): 14 entries", r.Stdout.Trim());
        var tree = await LoadAsync(_s3, t.Prefix);
        AssertSame(m.MountPoint, tree);

        var big = tree.Lookup("proj/data/big.h5")!;
        Assert.Equal(TierState.Released, big.State);
        Assert.Equal(t.ObjectKeyOf("proj/data/big.h5"), big.Record!.ObjectKey);
        Assert.True(big.DataIsRemote);
        Assert.Equal(TierState.Released, tree.Lookup("small-link.dat")!.State); // a hard link: the same inode's record
        Assert.Equal(tree.Lookup("small-link.dat")!.Ino, tree.Lookup("proj/data/small.dat")!.Ino);
        Assert.Equal(TierState.Resident, tree.Lookup("local-only.txt")!.State);
        Assert.Null(tree.Lookup("local-only.txt")!.Record);
        // The pair's attribute is on the namespace, set at its first publication.
        Assert.Equal(S3TierMount.ContractValue, t.Head("ns/heb/pair")!.Value.Meta["ltr_local_to_remote"]);

        // gpeer: a recall east keeps the entry west but makes its data east-only.
        Assert.Equal(Content(3 << 20, 3), File.ReadAllBytes(m.M("proj/data/big.h5")));
        Ok(Tierfs("sync", m.MountPoint));
        var after = await LoadAsync(_s3, t.Prefix);
        Assert.Equal(TierState.Resident, after.Lookup("proj/data/big.h5")!.State);
        Assert.False(after.Lookup("proj/data/big.h5")!.DataIsRemote);
        AssertSame(m.MountPoint, after);
    }

    [Fact]
    public async Task A_renamed_directory_and_an_unlinked_file_are_one_small_delta_and_the_reader_sees_the_new_tree()
    {
        using var t = S3TierMount.Start(_s3, "west-sync-delta/", "", PairYaml("gfs"));
        var m = t.M;
        Build(m, "proj/data/big.h5");
        // Many entries below the directory that is renamed: the delta must not carry them.
        for (var i = 0; i < 300; i++) File.WriteAllText(m.M($"proj/data/f{i:D3}.txt"), $"{i}");
        Ok(Tierfs("sync", m.MountPoint));
        // Another reader of the backing tree (CI has one, unnamed) moves a new file's atime
        // (relatime: it was not after the mtime), and a close through the mount (the kernel sends its
        // RELEASE when it likes, maybe after the first sync's cut) has the index look at it again.
        var atime = Px.Stat(m.B("proj/data/f000.txt")).Atime;
        Assert.Equal("0", File.ReadAllText(m.B("proj/data/f000.txt")));
        var moved = Px.Stat(m.B("proj/data/f000.txt")).Atime != atime; // unless the backing filesystem is noatime
        File.OpenHandle(m.M("proj/data/f000.txt")).Dispose();
        var pid = DaemonProcess.PidOf(m);
        Assert.True(Proc.WaitUntil(() => DaemonProcess.OpenHandles(pid, m.Backing) == 0, TimeSpan.FromSeconds(15)));

        Assert.Equal(0, Px.Rename(m.M("proj"), m.M("project")));
        File.Delete(m.M("one.txt"));
        var r = Tierfs("sync", m.MountPoint);
        Ok(r);
        var summary = System.Text.RegularExpressions.Regex.Match(r.Stdout.Trim(), @"^published generation 2 \(delta\): (\d+) entries changed, 1 removed, \d+ in all, (\d+) bytes");
        Assert.True(summary.Success, r.Stdout);
        var bytes = long.Parse(summary.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(bytes < 1024, $"a delta of a rename and an unlink took {bytes} bytes");

        var tree = await LoadAsync(_s3, t.Prefix);
        var first = await LoadAsync(_s3, t.Prefix, 1);
        // The delta itself: the renamed directory and the root whose times moved, one removal; none
        // of the 301 entries below the renamed directory.
        var (puts, deletes) = await RecordsOfAsync(_s3, t.Prefix, 2);
        string Show(NsEntry e) => $"{e.Id} '{e.Name}' parent {e.ParentId} mode {e.Mode:x} size {e.Size} atime {e.AtimeNs} mtime {e.MtimeNs} ctime {e.CtimeNs} {e.State}";
        var what = $"the delta's puts: {string.Join("; ", puts.Select(Show))}; gen 1 of them: {string.Join("; ", puts.Select(p => first.Get(p.Id) is { } e ? Show(e) : "-"))}";
        Assert.Equal(long.Parse(summary.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), puts.Count);
        Assert.Equal([first.Lookup("one.txt")!.Id], deletes);
        var project = tree.Lookup("project")!;
        Assert.Contains(puts, p => p.Id == project.Id && p.Name == "project");
        Assert.Contains(puts, p => p.Id == tree.Root!.Id);
        // Anything else in it is there because its atime moved, and for nothing else: f000.txt here.
        var others = puts.Where(p => p.Id != project.Id && p.Id != tree.Root!.Id).ToList();
        Assert.All(others, p => Assert.True(first.Get(p.Id) is { } was && was.AtimeNs != p.AtimeNs && (p with { AtimeNs = was.AtimeNs }).SameAs(was), what));
        Assert.Equal(moved, others.Any(p => p.Name == "f000.txt"));

        Assert.Equal(2, tree.Generation);
        Assert.NotNull(tree.Lookup("project/data/f299.txt"));
        Assert.Null(tree.Lookup("proj"));
        Assert.Null(tree.Lookup("one.txt"));
        AssertSame(m.MountPoint, tree);
        // Generation 1 stays whole.
        Assert.NotNull(first.Lookup("proj/data/f299.txt"));
        Assert.NotNull(first.Lookup("one.txt"));
    }

    [Fact]
    public async Task Generations_past_keep_generations_are_pruned_from_the_bucket_and_a_pinned_reader_of_one_gets_a_clear_error()
    {
        // A snapshot every other sync, the latest 2 generations kept, no grace: 1 and 2 are retired
        // by the pointer of generation 4 and deleted by the sync after it.
        using var t = S3TierMount.Start(_s3, "west-sync-prune/", "", PairYaml("gfs") + "meta_sync:\n  max_deltas: 1\n  keep_generations: 2\n  prune_grace: 0s\n");
        var m = t.M;
        var files = Build(m, "proj/data/big.h5", "one.txt");
        var keys = new List<string>();
        for (var i = 1; i <= 5; i++)
        {
            if (i > 1) File.WriteAllText(m.M($"new{i}.txt"), $"{i}");
            Ok(Tierfs("sync", m.MountPoint));
            await using var store = Store(_s3, t.Prefix);
            var pointer = (await new NamespaceReader(store, "heb").ReadPointerAsync(CancellationToken.None))!;
            Assert.Equal(i, pointer.Generation);
            keys.Add(pointer.Chain[^1].Key);
        }
        Assert.False(t.Exists(keys[0]), "generation 1 was not pruned");
        Assert.False(t.Exists(keys[1]), "generation 2 was not pruned");
        Assert.All(keys.Skip(2), k => Assert.True(t.Exists(k), $"{k} is held but gone"));

        // The latest generation is whole, and so is the oldest one kept.
        var latest = await LoadAsync(_s3, t.Prefix);
        Assert.Equal(5, latest.Generation);
        AssertSame(m.MountPoint, latest);
        var four = await LoadAsync(_s3, t.Prefix, 4);
        Assert.NotNull(four.Lookup("new4.txt"));
        Assert.Null(four.Lookup("new5.txt"));

        // A reader pinned to a pruned generation: one clear line, never another generation's tree.
        var target = Directory.CreateDirectory(Path.Combine(m.Root, "import-pruned")).FullName;
        var r = Tierfs("import", "--config", t.ConfigFile, target, "--generation", "2");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("tierfs: generation 2 of the pair 'heb' is no longer held: generations 3 to 5 are (older ones are pruned: meta_sync.keep_generations)", r.Stderr.Trim());
        Assert.Empty(Directory.EnumerateFileSystemEntries(target));
        var west = Directory.CreateDirectory(Path.Combine(m.Root, "west-pruned")).FullName;
        var mount = ProcEnv.Run(Proc.Tierfs, ["mount", "--remote", "--config", t.ConfigFile, west, "--state-dir", Path.Combine(m.Root, "west-pruned-state"), "--generation", "1"], S3TierMount.AwsEnv);
        Assert.Equal(2, mount.ExitCode);
        Assert.Contains("generation 1 of the pair 'heb' is no longer held", mount.Stderr);
        Assert.Equal(files["one.txt"], File.ReadAllBytes(m.M("one.txt")));
    }

    [Fact]
    public async Task A_reader_during_syncs_sees_one_generation_whole_never_a_half()
    {
        using var t = S3TierMount.Start(_s3, "west-sync-cut/", "", PairYaml("gfs"));
        var m = t.M;
        const int Rounds = 6, PerRound = 40;
        using var stop = new CancellationTokenSource();
        var seen = new List<long>();
        var torn = 0;
        bool Seen(long generation) { lock (seen) return seen.Contains(generation); }
        var reader = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await using var store = Store(_s3, t.Prefix);
                NamespaceTree? tree;
                try { tree = await new NamespaceReader(store, "heb").LoadAsync(null, CancellationToken.None); }
                catch (Exception e) when (e is ArgumentOutOfRangeException or TierFs.Remote.RemoteException ||
                                          (e is NamespaceFormatException && e.Message.StartsWith("the pointer", StringComparison.Ordinal)))
                {
                    // s3rver writes an object in place, not atomically as S3 does: a GET of the pointer
                    // while it is overwritten can fail (a torn answer). Asked again; a torn generation
                    // object never happens (they are never overwritten).
                    Interlocked.Increment(ref torn);
                    continue;
                }
                if (tree is null) continue;
                // Generation N holds rounds 0..N-1, each whole, and nothing of a later one.
                var rounds = tree.List(tree.RootId).Where(e => e.Name.StartsWith("round", StringComparison.Ordinal)).ToList();
                Assert.Equal(tree.Generation, rounds.Count);
                foreach (var round in rounds) Assert.Equal(PerRound, tree.List(round.Id).Count);
                lock (seen) seen.Add(tree.Generation);
            }
        });
        for (var i = 0; i < Rounds; i++)
        {
            Directory.CreateDirectory(m.M($"round{i}"));
            for (var j = 0; j < PerRound; j++) File.WriteAllText(m.M($"round{i}/f{j}"), $"{i}.{j}");
            Ok(Tierfs("sync", m.MountPoint));
        }
        Assert.True(Proc.WaitUntil(() => reader.IsCompleted || Seen(Rounds), TimeSpan.FromSeconds(60)), "the reader never saw the last generation");
        stop.Cancel();
        await reader; // its assertion, if one failed
        Assert.True(Seen(Rounds), "the reader stopped before the last generation");
        lock (seen) Assert.True(seen.Distinct().Count() >= 2, $"the reader saw only generations {string.Join(",", seen.Distinct())}");
    }

    [Fact]
    public void A_slave_side_refuses_to_sync_with_one_line_and_writes_no_namespace()
    {
        using var t = S3TierMount.Start(_s3, "west-sync-slave/", "", PairYaml("gpeer", "slave"));
        File.WriteAllText(t.M.M("a.txt"), "a");
        var r = Tierfs("sync", t.M.MountPoint);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("tierfs: the pair 'heb' is meta_sync_role: slave on this side: only the master side publishes the namespace", r.Stderr.Trim());
        Assert.Empty(t.Objects("ns/"));
    }

    [Fact]
    public async Task The_daemon_of_a_master_side_publishes_every_interval_without_tierfs_sync()
    {
        using var t = S3TierMount.Start(_s3, "west-sync-periodic/", "", PairYaml("gfs") + "meta_sync:\n  interval: 1s\n");
        File.WriteAllText(t.M.M("first.txt"), "1");
        Assert.True(Proc.WaitUntil(() => t.Exists("ns/heb/pointer"), TimeSpan.FromSeconds(30)), $"nothing was published: {t.M.Log}");
        File.WriteAllText(t.M.M("second.txt"), "2");
        NamespaceTree? tree = null;
        bool Published()
        {
            // s3rver overwrites the pointer in place: a read during a publication may be torn; asked again.
            try { tree = LoadAsync(_s3, t.Prefix).GetAwaiter().GetResult(); }
            catch (Exception e) when (e is ArgumentOutOfRangeException or TierFs.Remote.RemoteException or NamespaceFormatException) { return false; }
            return tree.Lookup("second.txt") is not null;
        }
        Assert.True(Proc.WaitUntil(Published, TimeSpan.FromSeconds(30)),
            "a file created east did not appear in the namespace within a few intervals");
        Assert.NotNull(tree!.Lookup("first.txt"));
    }

    [Fact]
    public async Task A_gpeer_unlink_removes_the_entry_west_and_its_metadata_record_with_its_data()
    {
        using var t = S3TierMount.Start(_s3, "west-sync-unlink/", "delete_grace: 0s", PairYaml("gpeer"), "-o", "delete_interval=1");
        File.WriteAllBytes(t.M.M("gone.bin"), Content(5000, 9));
        Ok(Tierfs("migrate", t.M.M("gone.bin")));
        var id = t.FileIdOf("gone.bin");
        var dataKey = t.ObjectKeyOf("gone.bin");
        var metaKey = $"meta/{id[..2]}/{id}.json";
        Assert.True(t.Exists(metaKey));
        Ok(Tierfs("sync", t.M.MountPoint));
        Assert.NotNull((await LoadAsync(_s3, t.Prefix)).Lookup("gone.bin"));

        File.Delete(t.M.M("gone.bin"));
        Ok(Tierfs("sync", t.M.MountPoint));
        Assert.Null((await LoadAsync(_s3, t.Prefix)).Lookup("gone.bin"));
        Assert.True(Proc.WaitUntil(() => !t.Exists(dataKey) && !t.Exists(metaKey), TimeSpan.FromSeconds(30)),
            $"left after the unlink: {string.Join(", ", t.Objects().Keys.Where(k => !k.StartsWith("ns/", StringComparison.Ordinal)))}");
    }
}
