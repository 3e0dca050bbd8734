using TierFs.IntegrationTests.Harness;

namespace TierFs.IntegrationTests;

/// <summary>A mount with one directory of 5000 entries (files, subdirectories, symlinks), made half through the mount.</summary>
public sealed class BigDirectoryFixture : IDisposable
{
    public const int Count = 5000;

    public BigDirectoryFixture()
    {
        Mounted = new MountFixture();
        try
        {
            var (plain, mounted, backing) = Mounted.NewDirs("big");
            (Plain, Dir, Backing) = (plain, mounted, backing);
            for (var i = 0; i < Count; i++)
            {
                var name = Name(i);
                // Even entries straight into the backing dir, odd ones through the mount.
                var where = i % 2 == 0 ? backing : mounted;
                foreach (var root in new[] { where, plain })
                {
                    var p = Path.Combine(root, name);
                    switch (i % 10)
                    {
                        case 3: Directory.CreateDirectory(p); break;
                        case 7: File.CreateSymbolicLink(p, "target-" + i); break;
                        default: File.WriteAllBytes(p, []); break;
                    }
                }
                Expected.Add(name);
            }
        }
        catch
        {
            Mounted.Dispose();
            throw;
        }
    }

    /// <summary>Names of every length from short to long, so that records of every size meet buffer edges.</summary>
    public static string Name(int i) => $"e{i:D4}-{new string((char)('a' + i % 26), i % 97)}";

    public static byte TypeOf(int i) => (i % 10) switch { 3 => 4 /* DT_DIR */, 7 => 10 /* DT_LNK */, _ => 8 /* DT_REG */ };

    public MountFixture Mounted { get; }
    public string Plain { get; }
    public string Dir { get; }
    public string Backing { get; }
    public HashSet<string> Expected { get; } = new(StringComparer.Ordinal);

    public void Dispose() => Mounted.Dispose();
}

/// <summary>
/// readdir/readdirplus of a 5000-entry directory: every name exactly once with its type and
/// inode number, through small getdents buffers, after seeking back to saved offsets
/// (telldir/seekdir), after rewinding, and from several opens read at once.
/// </summary>
public class DirectoryListingTests(BigDirectoryFixture big) : IClassFixture<BigDirectoryFixture>
{
    private static List<Px.DirEntry> ReadAll(int fd, int bufferSize)
    {
        var all = new List<Px.DirEntry>();
        while (true)
        {
            var chunk = Px.GetDents(fd, bufferSize);
            if (chunk.Count == 0) return all;
            all.AddRange(chunk);
        }
    }

    private void AssertComplete(IEnumerable<string> names, string what)
    {
        var list = names.Where(n => n is not "." and not "..").ToList();
        var dupes = list.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key).Take(5).ToList();
        Assert.True(dupes.Count == 0, $"{what}: listed more than once: {string.Join(", ", dupes)}");
        var missing = big.Expected.Except(list).Take(5).ToList();
        Assert.True(missing.Count == 0, $"{what}: missing {big.Expected.Count - list.Count} entries, e.g. {string.Join(", ", missing)}");
        var extra = list.Except(big.Expected).Take(5).ToList();
        Assert.True(extra.Count == 0, $"{what}: unexpected entries {string.Join(", ", extra)}");
    }

    [Fact]
    public void Every_name_exactly_once_with_its_type_and_inode()
    {
        AssertComplete(Directory.EnumerateFileSystemEntries(big.Plain).Select(p => Path.GetFileName(p)!), "plain dir");
        AssertComplete(Directory.EnumerateFileSystemEntries(big.Dir).Select(p => Path.GetFileName(p)!), "mount (.NET enumeration)");

        var fd = Px.Open(big.Dir, Px.O_RDONLY | Px.O_DIRECTORY);
        try
        {
            var entries = ReadAll(fd, 32 * 1024);
            AssertComplete(entries.Select(e => e.Name), "mount (getdents64)");
            Assert.Equal(1, entries.Count(e => e.Name == "."));
            Assert.Equal(1, entries.Count(e => e.Name == ".."));
            foreach (var e in entries.Where(e => e.Name is not "." and not ".."))
            {
                var i = int.Parse(e.Name.AsSpan(1, 4));
                Assert.True(BigDirectoryFixture.TypeOf(i) == e.Type, $"{e.Name}: d_type {e.Type}, expected {BigDirectoryFixture.TypeOf(i)}");
                Assert.True(Px.Stat(Path.Combine(big.Backing, e.Name)).Ino == e.Ino, $"{e.Name}: d_ino differs from the backing inode");
            }
        }
        finally
        {
            Px.Close(fd);
        }

        // ls -l style: stat every listed entry (readdirplus fills these) and compare with the backing files.
        foreach (var name in big.Expected.Where((_, i) => i % 7 == 0))
            Assert.Equal(Px.Stat(Path.Combine(big.Backing, name)).Full, Px.Stat(Path.Combine(big.Dir, name)).Full);
    }

    [Fact]
    public void Small_buffers_and_seeking_back_to_saved_offsets()
    {
        var fd = Px.Open(big.Dir, Px.O_RDONLY | Px.O_DIRECTORY);
        try
        {
            // Tiny buffers: many readdir requests, each ending at a different point.
            var first = ReadAll(fd, 600);
            AssertComplete(first.Select(e => e.Name), "600-byte getdents buffers");

            // seekdir to offsets telldir gave: the rest of the listing follows, exactly.
            foreach (var at in new[] { 0, 1, 2, 57, 1000, 2500, 4321, first.Count - 2, first.Count - 1 })
            {
                Assert.Equal(first[at].Off, Px.Lseek(fd, first[at].Off, Px.SEEK_SET));
                var rest = ReadAll(fd, 1500);
                var expected = first.Skip(at + 1).Select(e => e.Name).ToList();
                Assert.True(expected.SequenceEqual(rest.Select(e => e.Name)),
                    $"after seeking to the offset of entry {at} ({first[at].Name}): got {rest.Count} entries, expected {expected.Count}; first {string.Join(",", rest.Take(3).Select(e => e.Name))}");
            }

            // Rewind: the whole listing again.
            Assert.Equal(0, Px.Lseek(fd, 0, Px.SEEK_SET));
            var again = ReadAll(fd, 8192);
            Assert.Equal(first.Select(e => e.Name), again.Select(e => e.Name));

            // Seek back into the middle after having read only part of the listing.
            Assert.Equal(0, Px.Lseek(fd, 0, Px.SEEK_SET));
            var part = Px.GetDents(fd, 4096);
            part.AddRange(Px.GetDents(fd, 4096));
            var mid = part[part.Count / 2];
            Px.Lseek(fd, mid.Off, Px.SEEK_SET);
            var tail = ReadAll(fd, 3000);
            var idx = first.FindIndex(e => e.Name == mid.Name);
            Assert.Equal(first.Skip(idx + 1).Select(e => e.Name), tail.Select(e => e.Name));
        }
        finally
        {
            Px.Close(fd);
        }
    }

    [Fact]
    public void Concurrent_listings_through_separate_opens()
    {
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var sizes = new[] { 700, 2048, 4096, 65536 };
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, t =>
        {
            try
            {
                for (var round = 0; round < 2; round++)
                {
                    var fd = Px.Open(big.Dir, Px.O_RDONLY | Px.O_DIRECTORY);
                    try
                    {
                        // Start, abandon half-way, restart from 0 on the same open, read to the end.
                        var names = new List<string>();
                        for (var k = 0; k < 3 + t; k++) names.AddRange(Px.GetDents(fd, sizes[t % sizes.Length]).Select(e => e.Name));
                        Px.Lseek(fd, 0, Px.SEEK_SET);
                        names = ReadAll(fd, sizes[(t + round) % sizes.Length]).Select(e => e.Name).ToList();
                        AssertComplete(names, $"thread {t} round {round}");
                    }
                    finally
                    {
                        Px.Close(fd);
                    }
                }
            }
            catch (Exception e)
            {
                errors.Enqueue(e.Message);
            }
        });
        Assert.True(errors.IsEmpty, string.Join("\n", errors));
    }

    [Fact]
    public void Listing_a_directory_that_changes_between_reads()
    {
        // Names added or removed while a listing is open may or may not appear (POSIX), but the
        // others appear exactly once, and no removed name makes the listing fail.
        var (_, mounted, _) = big.Mounted.NewDirs("changing");
        for (var i = 0; i < 500; i++) File.WriteAllBytes(Path.Combine(mounted, $"stay{i:D3}"), []);
        for (var i = 0; i < 200; i++) File.WriteAllBytes(Path.Combine(mounted, $"gone{i:D3}"), []);
        var fd = Px.Open(mounted, Px.O_RDONLY | Px.O_DIRECTORY);
        try
        {
            var names = new List<string>(Px.GetDents(fd, 1024).Select(e => e.Name));
            for (var i = 0; i < 200; i++) File.Delete(Path.Combine(mounted, $"gone{i:D3}"));
            for (var i = 0; i < 100; i++) File.WriteAllBytes(Path.Combine(mounted, $"new{i:D3}"), []);
            names.AddRange(ReadAll(fd, 2048).Select(e => e.Name));
            var stay = names.Where(n => n.StartsWith("stay", StringComparison.Ordinal)).ToList();
            Assert.Equal(500, stay.Count);
            Assert.Equal(500, stay.Distinct().Count());
            Assert.True(names.Count(n => n.StartsWith("new", StringComparison.Ordinal)) == names.Where(n => n.StartsWith("new", StringComparison.Ordinal)).Distinct().Count());
        }
        finally
        {
            Px.Close(fd);
        }
    }
}
