using TierFs.IntegrationTests.Harness;
using TierFs.IntegrationTests.Remote;
using TierFs.Namespace;
using static TierFs.IntegrationTests.West.WestTree;

namespace TierFs.IntegrationTests.West;

/// <summary>
/// `tierfs import` runs as root in a directory others may write (a shared project directory merged
/// into, a user's home). Such a user can rename their own entries, or other users' (no sticky bit),
/// onto the names the import is making, at any moment. Whatever the import hands over after making
/// a name (its owner, mode, times, its subtree, its other hard links) must go to what it made, or
/// nowhere. The swapper here exchanges (RENAME_EXCHANGE) a prepared entry onto each name as soon
/// as it appears and back once the import has gone on, so names end where the namespace puts them.
/// The import runs under strace, which holds it 10 ms after each call that makes a name: what a
/// loaded machine does now and then, done every time, so that each name is raced for certain.
/// </summary>
public class ImportRaceTests(S3ServerFixture fixture) : IClassFixture<S3ServerFixture>
{
    private const int Rounds = 30;
    private const long Victim = 1234, Nobody = 65534;
    private const long Mtime = 1_600_000_000_000_000_000;

    private readonly S3Server _s3 = fixture.Server;

    // For each stage (a name the import makes, the entry to swap onto it, a name the import makes
    // after it): wait for the name, swap, wait for the later name, swap back. Prints the swaps made.
    private const string Swapper = """
        import ctypes, errno, os, sys, time
        libc = ctypes.CDLL(None, use_errno=True)
        libc.renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
        EXCHANGE = 2
        target, stages_file, ready, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
        stages = [line.split() for line in open(stages_file).read().splitlines()]
        d = os.open(target, os.O_RDONLY | os.O_DIRECTORY)
        def exists(n):
            return os.access(n, os.F_OK, dir_fd=d, follow_symlinks=False)
        def swap(a, b):
            return libc.renameat2(d, a, d, b, EXCHANGE) == 0
        end = time.monotonic() + seconds
        open(ready, "w").close()
        swapped = missed = k = 0
        while k < len(stages) and time.monotonic() < end:
            name, bait, after = stages[k]
            if exists(after):
                missed += 1
                k += 1
                continue
            n, b = name.encode(), bait.encode()
            spins = 0
            while not swap(b, n):
                spins += 1
                if ctypes.get_errno() != errno.ENOENT or (spins % 4096 == 0 and time.monotonic() > end):
                    break
            else:
                swapped += 1
                while not exists(after) and time.monotonic() < end:
                    pass
                swap(n, b)
            k += 1
        print(swapped)
        print(f"{swapped} swaps, {missed} names there already, {len(stages)} stages", file=sys.stderr)
        """;

    [Fact]
    public async Task A_user_swapping_entries_onto_the_names_an_import_makes_gets_nothing_handed_over()
    {
        const string Prefix = "west-import-race/";
        using var work = TestMount.Create();
        Px.Chmod(work.Root, 0x1ED);
        var target = work.Backing;
        Px.Chmod(target, 0x1FF); // 0777, no sticky bit: anyone may rename anything in it
        var scratch = Path.Combine(work.Root, "scratch");
        Directory.CreateDirectory(scratch);
        Px.Chmod(scratch, 0x1FF);
        var config = Path.Combine(work.Root, "tierfs.yaml");
        File.WriteAllText(config, $"cluster_id: LC_1111\nremote:\n  type: s3\n  endpoint: {_s3.Endpoint}\n  bucket: {_s3.Bucket}\n  prefix: {Prefix}\n  region: us-east-1\n{S3TierMount.Pair("gfs")}");

        var (entries, paths, stages) = Namespace();
        var before = Prepare(target);
        await PublishCraftedAsync(_s3, Prefix, entries);
        var stagesFile = Path.Combine(scratch, "stages");
        File.WriteAllLines(stagesFile, stages);
        var ready = Path.Combine(scratch, "ready");

        using var swapper = Running.Start("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "/usr/bin/python3", "-c", Swapper,
            target, stagesFile, ready, "10");
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!File.Exists(ready) && !swapper.HasExited && waited.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(5);
        var r = ProcEnv.Run("strace", ["-f", "-qq", "--seccomp-bpf", "-o", "/dev/null", "-e", $"trace={Held}", "-e", $"inject={Held}:delay_exit=10000",
            Proc.Tierfs, "import", "--merge", "--config", config, target], S3TierMount.AwsEnv, TimeSpan.FromSeconds(120));
        var swapped = swapper.WaitForExit(TimeSpan.FromSeconds(30));
        Assert.True(swapped.ExitCode == 0, swapped.ToString());
        // Each stage's name is made under a held call: the swapper is in time for nearly all.
        Assert.True(int.Parse(swapped.Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture) >= Rounds * 3, swapped.ToString());

        // A clean outcome: done, or entries named as failed, each on a line of its own.
        Assert.True(r.ExitCode is 0 or 1, r.ToString());
        var failed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("importing generation", StringComparison.Ordinal)))
        {
            var path = line.StartsWith("tierfs: import: ", StringComparison.Ordinal) ? line["tierfs: import: ".Length..].Split(':')[0] : null;
            Assert.True(path is not null && paths.ContainsKey(path), $"not one entry's failure: '{line}'\n{r}");
            failed.Add(path!);
        }
        Assert.Equal(r.ExitCode == 1, failed.Count > 0);

        var problems = new List<string>();
        problems.AddRange(Untouched(target, before));
        problems.AddRange(AsTheNamespaceSays(target, paths, failed));
        Assert.True(problems.Count == 0,
            $"{problems.Count} problems ({swapped.Stderr.Trim()}; {failed.Count} entries failed):\n  {string.Join("\n  ", problems.Take(12))}\n{r.Stdout}");
    }

    // The calls after which the import is held: the ones that make a symlink, fifo or directory,
    // and a stub's ftruncate (between its creation and the last step of its making).
    private const string Held = "symlinkat,mknodat,mkdirat,ftruncate";

    /// <summary>
    /// Per round NN: the victim's stub NNh and its second name in the victim's 0700 directory NNk,
    /// nobody's fifo NNp and symlink NNs, the victim's 0700 directory NNt with a stub in it; after
    /// each raced name a victim's stub NNx-f (what the swapper waits for). Returns the entries, each
    /// path's entry, the stages.
    /// </summary>
    private static (List<NsEntry> Entries, Dictionary<string, NsEntry> Paths, List<string> Stages) Namespace()
    {
        var entries = new List<NsEntry> { Entry(1, 0, "", NsEntry.TypeDir) with { Mode = 0x41FF } };
        var paths = new Dictionary<string, NsEntry>(StringComparer.Ordinal);
        var stages = new List<string>();
        var id = 1L;
        NsEntry Add(NsEntry e, string path)
        {
            entries.Add(e);
            paths[path] = e;
            return e;
        }
        NsEntry VictimFile(long parent, string name) => Entry(++id, parent, name) with { Uid = Victim, Gid = Victim, Mode = 0x8180 };
        // Names sort in the order they are made (a directory's entries are imported by name).
        void Stage(string name, string bait) => stages.Add($"{name} {bait} {Add(VictimFile(1, name + "-f"), name + "-f").Name}");
        for (var i = 0; i < Rounds; i++)
        {
            var h = Add(VictimFile(1, $"{i:D2}h") with { Nlink = 2 }, $"{i:D2}h");
            Stage(h.Name, $"bait{i}");
            var k = Add(Entry(++id, 1, $"{i:D2}k", NsEntry.TypeDir) with { Mode = 0x41C0, Uid = Victim, Gid = Victim }, $"{i:D2}k");
            Add(VictimFile(k.Id, "link") with { Ino = h.Ino, Nlink = 2 }, $"{k.Name}/link");
            var p = Add(Entry(++id, 1, $"{i:D2}p", NsEntry.TypeOther) with { Mode = 0x11A4, Uid = Nobody, Gid = Nobody }, $"{i:D2}p");
            Stage(p.Name, $"vp{i}");
            var s = Add(Entry(++id, 1, $"{i:D2}s", NsEntry.TypeSymlink) with { Mode = 0xA1FF, Uid = Nobody, Gid = Nobody, Target = h.Name }, $"{i:D2}s");
            Stage(s.Name, $"vs{i}");
            var d = Add(Entry(++id, 1, $"{i:D2}t", NsEntry.TypeDir) with { Mode = 0x41C0, Uid = Victim, Gid = Victim }, $"{i:D2}t");
            Add(VictimFile(d.Id, "secret"), $"{d.Name}/secret");
            Stage(d.Name, $"mine{i}");
        }
        return (entries, paths, stages);
    }

    /// <summary>What is in the target before: the victim's 0600 files vp and vs, nobody's file bait and directory mine.</summary>
    private static Dictionary<string, StatInfo> Prepare(string target)
    {
        var before = new Dictionary<string, StatInfo>(StringComparer.Ordinal);
        for (var i = 0; i < Rounds; i++)
        {
            foreach (var v in new[] { $"vp{i}", $"vs{i}" })
            {
                File.WriteAllText(Path.Combine(target, v), "the victim's\n");
                Assert.Equal(0, Px.Lchown(Path.Combine(target, v), (uint)Victim, (uint)Victim));
                Assert.Equal(0, Px.Chmod(Path.Combine(target, v), 0x180));
            }
            File.WriteAllText(Path.Combine(target, $"bait{i}"), "nobody's\n");
            Assert.Equal(0, Px.Lchown(Path.Combine(target, $"bait{i}"), (uint)Nobody, (uint)Nobody));
            Directory.CreateDirectory(Path.Combine(target, $"mine{i}"));
            Assert.Equal(0, Px.Lchown(Path.Combine(target, $"mine{i}"), (uint)Nobody, (uint)Nobody));
            foreach (var n in new[] { $"vp{i}", $"vs{i}", $"bait{i}", $"mine{i}" }) before[n] = Px.Stat(Path.Combine(target, n));
        }
        return before;
    }

    // The entries that were there: the same inode at each name, its owner, mode and link count kept, a directory still empty.
    private static IEnumerable<string> Untouched(string target, Dictionary<string, StatInfo> before)
    {
        foreach (var (name, was) in before)
        {
            var full = Path.Combine(target, name);
            if (Px.TryStat(full, out var now) != 0 || now.Ino != was.Ino)
            {
                yield return $"{name}: not the entry that was there";
                continue;
            }
            if ((now.Uid, now.Gid, now.Mode, now.Nlink) != (was.Uid, was.Gid, was.Mode, was.Nlink))
                yield return $"{name}: was {Show(was)}, is now {Show(now)}";
            if (now.IsDir && Directory.EnumerateFileSystemEntries(full).Any())
                yield return $"{name}: nobody's directory now holds {string.Join(", ", Directory.EnumerateFileSystemEntries(full).Select(Path.GetFileName))}";
        }
    }

    // Every entry not named as failed (nor below one) as the namespace says: type, owner, mode, mtime, target, links.
    private static IEnumerable<string> AsTheNamespaceSays(string target, Dictionary<string, NsEntry> paths, HashSet<string> failed)
    {
        foreach (var (path, e) in paths)
        {
            if (failed.Contains(path) || (path.Contains('/') && failed.Contains(path[..path.IndexOf('/')]))) continue;
            var full = Path.Combine(target, path);
            if (Px.TryStat(full, out var st) != 0)
            {
                yield return $"{path}: missing";
                continue;
            }
            var first = paths.FirstOrDefault(p => p.Value.Ino == e.Ino && string.CompareOrdinal(p.Key, path) < 0).Key;
            var expected = (Mode: (uint)e.Mode, Uid: (uint)e.Uid, Gid: (uint)e.Gid);
            if ((st.Mode, st.Uid, st.Gid) != expected)
                yield return $"{path}: {Show(st)}, the namespace says {expected.Uid}:{expected.Gid} {Convert.ToString(expected.Mode, 8)}";
            else if (e.Type != NsEntry.TypeOther && st.Mtime.Sec * 1_000_000_000 + st.Mtime.Nsec != Mtime)
                yield return $"{path}: mtime {st.Mtime}";
            else if (e.Type == NsEntry.TypeSymlink && (Px.TryReadlink(full, out var t) != 0 || t != e.Target))
                yield return $"{path}: a symlink to something else than {e.Target}";
            else if (first is not null && !failed.Contains(first) && Px.Stat(Path.Combine(target, first)).Ino != st.Ino)
                yield return $"{path}: not a second name of {first}";
        }
    }

    private static string Show(StatInfo st) =>
        $"{StatInfo.TypeName(st.Type)} {st.Uid}:{st.Gid} {Convert.ToString(st.Perm, 8)} nlink {st.Nlink}";
}
