using System.Security.Cryptography;
using System.Text;

namespace TierFs.IntegrationTests.Harness;

/// <summary>
/// One mount shared by the tests of a class (xunit class fixture), plus a plain directory on the
/// same filesystem as the backing tree, so that a scenario can be run on both and compared.
/// </summary>
public sealed class MountFixture : IDisposable
{
    private int _next;

    public MountFixture()
    {
        Mount = TestMount.Start();
        try
        {
            // The temp root is 0700; other users must reach the mount and the plain dir too.
            Px.Chmod(Mount.Root, 0x1ED);
            PlainRoot = Path.Combine(Mount.Root, "plain");
            Directory.CreateDirectory(PlainRoot);
        }
        catch
        {
            Mount.Dispose();
            throw;
        }
    }

    public TestMount Mount { get; }
    public string PlainRoot { get; }

    /// <summary>A fresh, empty directory in the plain tree and one under the mount (with its backing twin).</summary>
    public (string Plain, string Mounted, string Backing) NewDirs(string name)
    {
        var unique = $"{name}-{Interlocked.Increment(ref _next)}";
        var plain = Path.Combine(PlainRoot, unique);
        Directory.CreateDirectory(plain);
        var mounted = Mount.M(unique);
        Directory.CreateDirectory(mounted);
        return (plain, mounted, Mount.B(unique));
    }

    public void Dispose() => Mount.Dispose();
}

/// <summary>
/// A scenario's view of the directory it runs in, and its transcript: every call's outcome and
/// every observation, in order. The transcripts of the plain run and the mount run must be equal.
/// </summary>
public sealed class Scenario(string dir, string? backingDir)
{
    public string Dir { get; } = dir;
    /// <summary>The backing twin of <see cref="Dir"/> when this run is on the mount; null on the plain run.</summary>
    public string? BackingDir { get; } = backingDir;
    public bool OnMount => BackingDir is not null;
    public List<string> Transcript { get; } = [];

    public string P(string relative) => relative.Length == 0 ? Dir : Path.Combine(Dir, relative);

    public void Note(string line) => Transcript.Add(line);

    /// <summary>Records the outcome of a call that returns 0 or an errno.</summary>
    public int Do(string label, int errno)
    {
        Transcript.Add($"{label} -> {Px.Name(errno)}");
        return errno;
    }

    /// <summary>Records a call that returns a count or -errno.</summary>
    public long DoCount(string label, long result)
    {
        Transcript.Add($"{label} -> {(result >= 0 ? result.ToString() : Px.Name((int)-result))}");
        return result;
    }

    /// <summary>
    /// lstat through this run's directory: records the portable attributes (or the errno), and on
    /// the mount requires every attribute, times and inode number included, to equal the backing
    /// file's right now — so a stale attribute cache fails here, not a second later.
    /// </summary>
    public StatInfo? Stat(string relative)
    {
        // The backing file is stat'ed just before and just after: the filesystem may change what
        // it reports between two stats by itself (ext4 delayed allocation moves st_blocks).
        var backingBefore = OnMount && Px.TryStat(Path.Combine(BackingDir!, relative), out var bb) == 0 ? bb : null;
        var e = Px.TryStat(P(relative), out var st);
        if (e != 0)
        {
            Transcript.Add($"stat {relative} -> {Px.Name(e)}");
            if (OnMount)
            {
                var be = Px.TryStat(Path.Combine(BackingDir!, relative), out _);
                Assert.True(be == e, $"stat {relative}: the mount says {Px.Name(e)}, the backing dir {Px.Name(be)}");
            }
            return null;
        }
        Transcript.Add($"stat {relative}: {st.Portable}");
        MatchesBacking(relative, st, () => Px.Stat(P(relative)), backingBefore);
        return st;
    }

    /// <summary>fstat of an open descriptor, checked against the backing path when given.</summary>
    public StatInfo FStat(string label, int fd, string? backingRelative = null)
    {
        var st = Px.FStat(fd);
        Transcript.Add($"fstat {label}: {st.Portable}");
        if (backingRelative is not null) MatchesBacking(backingRelative, st, () => Px.FStat(fd));
        return st;
    }

    /// <param name="again">The same stat through the mount again.</param>
    private void MatchesBacking(string relative, StatInfo mounted, Func<StatInfo> again, StatInfo? backingBefore = null)
    {
        if (!OnMount) return;
        var backingPath = Path.Combine(BackingDir!, relative);
        var backing = Px.Stat(backingPath);
        if (backingBefore is not null && backingBefore.Full == mounted.Full) return;
        var first = mounted;
        // Two attributes change without anything done through the mount: st_blocks (ext4 moves a new
        // file's blocks from reserved to allocated in two steps while the close of an O_TRUNC open writes
        // it back, and a stat between the steps sees neither) and atime (a reader of the backing tree).
        // The kernel keeps the mount's copy for attr_timeout (1 s): such a difference must be gone once
        // that copy expires. Any other difference fails at once.
        if (backing.Full != mounted.Full && (mounted with { Blocks = backing.Blocks, Atime = backing.Atime }).Full == backing.Full)
            Proc.WaitUntil(() => (mounted = again()).Full == (backing = Px.Stat(backingPath)).Full, TimeSpan.FromSeconds(5));
        Assert.True(backing.Full == mounted.Full,
            $"stat {relative} through the mount differs from the backing file:\n  mount:   {mounted.Full}\n  backing: {backing.Full}" +
            (first == mounted ? "" : $"\n  mount at first: {first.Full}"));
    }

    /// <summary>Records a file's length and content hash (or the errno of reading it).</summary>
    public byte[]? Content(string relative)
    {
        try
        {
            var data = File.ReadAllBytes(P(relative));
            Transcript.Add($"content {relative}: {data.Length} bytes {Hash(data)}");
            if (OnMount)
            {
                var b = File.ReadAllBytes(Path.Combine(BackingDir!, relative));
                Assert.True(data.AsSpan().SequenceEqual(b), $"content of {relative} differs between the mount and the backing file");
            }
            return data;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Transcript.Add($"content {relative}: {e.GetType().Name}");
            return null;
        }
    }

    /// <summary>Sorted names in a directory.</summary>
    public string[] List(string relative)
    {
        var names = Directory.GetFileSystemEntries(P(relative)).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Transcript.Add($"ls {relative}: [{string.Join(' ', names)}]");
        return names!;
    }

    public static string Hash(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data))[..16];

    /// <summary>Waits until the clock a filesystem stamps times with has moved past <paramref name="after"/>.</summary>
    public void WaitForClockAfter(Ts after)
    {
        var probe = Path.Combine(Path.GetTempPath(), $"tierfs-it-clock-{Environment.ProcessId}-{Environment.CurrentManagedThreadId}");
        var ok = Proc.WaitUntil(() =>
        {
            File.WriteAllText(probe, "");
            var t = Px.Stat(probe).Ctime;
            File.Delete(probe);
            return t > after;
        }, TimeSpan.FromSeconds(5));
        Assert.True(ok, "the filesystem clock did not move");
    }
}

public static class Differential
{
    /// <summary>
    /// Runs <paramref name="body"/> in a fresh plain directory, then in a fresh directory under the
    /// mount, and requires the two transcripts to be equal line by line.
    /// </summary>
    public static void Same(MountFixture f, string name, Action<Scenario> body)
    {
        var (plain, mounted, backing) = f.NewDirs(name);
        var p = new Scenario(plain, null);
        body(p);
        var m = new Scenario(mounted, backing);
        body(m);
        // For debugging: TIERFS_IT_TRANSCRIPTS=DIR keeps every transcript pair.
        if (Environment.GetEnvironmentVariable("TIERFS_IT_TRANSCRIPTS") is { Length: > 0 } keep)
        {
            Directory.CreateDirectory(keep);
            File.WriteAllLines(Path.Combine(keep, name + ".plain.txt"), p.Transcript);
            File.WriteAllLines(Path.Combine(keep, name + ".mount.txt"), m.Transcript);
        }
        AssertSameTranscript(p.Transcript, m.Transcript, f.Mount);
    }

    public static void AssertSameTranscript(List<string> plain, List<string> mounted, TestMount? mount = null)
    {
        for (var i = 0; i < Math.Max(plain.Count, mounted.Count); i++)
        {
            var a = i < plain.Count ? plain[i] : "(end)";
            var b = i < mounted.Count ? mounted[i] : "(end)";
            if (a == b) continue;
            var sb = new StringBuilder();
            sb.AppendLine($"the mount behaves differently from a plain directory at step {i + 1}:");
            sb.AppendLine($"  plain: {a}");
            sb.AppendLine($"  mount: {b}");
            sb.AppendLine("plain transcript:");
            foreach (var l in plain) sb.AppendLine("  " + l);
            sb.AppendLine("mount transcript:");
            foreach (var l in mounted) sb.AppendLine("  " + l);
            Assert.Fail(sb.ToString());
        }
    }
}
