using TierFs.Namespace;
using TierFs.Records;
using TierFs.West;

namespace TierFs.Tests.West;

/// <summary>
/// What a west mount holds per entry: the generation (<see cref="NamespaceTree"/>) and its view.
/// Measured with the managed heap's size, so run alone (no other test allocating meanwhile).
/// </summary>
[Collection(WestMemoryCollection.Name)]
public class WestMemoryTests
{
    /// <summary>The benchmark's tree (integration/bench nssyncbench): 1000 files a directory, a fifth with a full stub record.</summary>
    internal static NamespaceTree BenchTree(int files)
    {
        var rng = new Random(42);
        var tree = new NamespaceTree("heb", 1);
        tree.Put(Dir(1, 0, ""));
        long id = 2, dir = 0;
        for (var i = 0; i < files; i++)
        {
            if (i % 1000 == 0) tree.Put(Dir(dir = id++, 1, $"d{i / 1000:D5}"));
            var size = rng.NextInt64(1, 1L << 30);
            var mtime = 1_600_000_000_000_000_000 + rng.NextInt64(1L << 55);
            var archived = rng.NextDouble() < 0.2;
            var fileId = Hex(rng, 16);
            tree.Put(new NsEntry
            {
                Id = id, ParentId = dir, Name = $"file{i:D7}.dat", Type = NsEntry.TypeFile, Mode = 0x81a4, Uid = 1000 + rng.Next(50), Gid = 100,
                Size = size, Nlink = 1, Ino = id, AtimeNs = mtime + rng.NextInt64(1L << 50), MtimeNs = mtime, CtimeNs = mtime,
                State = archived ? TierState.Archived : TierState.Resident,
                Record = archived
                    ? new StubRecord
                    {
                        State = StubRecord.StateArchived, FileId = fileId, ObjectKey = $"data/{fileId[..2]}/{fileId}/1.{Hex(rng, 8)}", Size = size,
                        MtimeNs = mtime, AtimeNs = mtime, CtimeNs = mtime, PartSize = 16 << 20, Checksum = $"{Hex(rng, 16)}-1", Blake3 = $"{Hex(rng, 32)}-1",
                        Crc32C = $"{Hex(rng, 4)}-1", Remote = "s3://tier/east/", ETag = $"\"{Hex(rng, 16)}\"", ArchivedAtMs = 1_700_000_000_000,
                    }
                    : null,
            });
            id++;
        }
        return tree;
    }

    private static NsEntry Dir(long id, long parent, string name) => new()
    {
        Id = id, ParentId = parent, Name = name, Type = NsEntry.TypeDir, Mode = 0x41ed, Size = 4096, Nlink = 2, Ino = id,
    };

    private static string Hex(Random rng, int bytes)
    {
        var b = new byte[bytes];
        rng.NextBytes(b);
        return Convert.ToHexStringLower(b);
    }

    [Fact]
    public void A_west_view_of_100k_entries_holds_under_200_bytes_an_entry()
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var tree = BenchTree(100_000);
        var view = WestView.Build(tree, new InodeNumbers());
        Assert.NotNull(view.Child(InodeNumbers.Root, "d00042"));
        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(view);
        var perEntry = (after - before) / tree.Count;
        // ~460 bytes in the tree alone when each entry was an object with its strings (and its record's).
        Assert.True(perEntry < 200, $"{perEntry} bytes an entry");
    }
}

/// <summary>Tests that measure the process's managed heap: run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WestMemoryCollection
{
    public const string Name = "west memory (managed heap size)";
}
