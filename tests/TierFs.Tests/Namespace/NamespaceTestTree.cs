using TierFs.Index;
using TierFs.Namespace;
using TierFs.Records;
using TierFs.Remote;
using TierFs.Tests.Fakes;
using TierFs.Tests.Index;

namespace TierFs.Tests.Namespace;

/// <summary>An index holding a small east tree, a fake remote tier, and a publisher and reader of its namespace.</summary>
internal sealed class NamespaceTestTree : IDisposable
{
    public const string Pair = "heb";
    private readonly IndexTestFiles _files = new();

    public NamespaceTestTree()
    {
        Index = _files.Open();
        // /            1
        // proj/        2
        // proj/data/   3
        // proj/data/a.h5    4 (released)      proj/data/b.bin 5 (archived, hard link of 8)
        // top.txt      6 (resident)   link -> proj/data/a.h5  7   top-link.bin 8 (hard link of 5)
        Put(Row(1, 0, "", EntryRow.TypeDir));
        Put(Row(2, 1, "proj", EntryRow.TypeDir));
        Put(Row(3, 2, "data", EntryRow.TypeDir));
        Put(Row(4, 3, "a.h5", size: 5 << 20));
        Put(Row(5, 3, "b.bin", size: 4096, ino: 5000, nlink: 2));
        Put(Row(6, 1, "top.txt", size: 20));
        Put(Row(7, 1, "link", EntryRow.TypeSymlink) with { Target = "proj/data/a.h5" });
        // A second name of the same inode: the same attributes.
        Put(Row(5, 3, "b.bin", size: 4096, ino: 5000, nlink: 2) with { Id = 8, ParentId = 1, Name = "top-link.bin" });
        Index.Upsert(Tier(4, 5 << 20, StubRecord.StateReleased));
        Index.Upsert(Tier(5000, 4096, StubRecord.StateArchived));
        Index.Flush();
    }

    public TierIndex Index { get; private set; }
    public FakeRemoteStore Remote { get; } = new();
    public string Dir => _files.Dir;

    public void Put(EntryRow row) => Index.PutEntry(row);

    public static EntryRow Row(long id, long parent, string name, string type = EntryRow.TypeFile, ulong ino = 0, long size = 0, long nlink = 1) => new()
    {
        Id = id,
        ParentId = parent,
        Name = name,
        Type = type,
        Key = new FileKey(0x803, ino == 0 ? (ulong)id : ino),
        Nlink = nlink,
        Mode = type switch { EntryRow.TypeDir => 0x41ed, EntryRow.TypeSymlink => 0xa1ff, _ => 0x81a4 },
        Uid = 1000 + id,
        Gid = 100,
        Size = size,
        AtimeNs = 1_700_000_000_000_000_000 + id,
        MtimeNs = 1_700_000_000_100_000_000 + id,
        CtimeNs = 1_700_000_000_200_000_000 + id,
        Scan = 1,
    };

    public static TierRow Tier(ulong ino, long size, string state) => new()
    {
        Key = new FileKey(0x803, ino),
        Record = new StubRecord
        {
            State = state,
            FileId = $"{ino:x32}",
            ObjectKey = $"data/00/{ino:x32}/1.0123456789abcdef",
            Checksum = "0123456789abcdef0123456789abcdef-1",
            Crc32C = "01234567-1",
            Blake3 = new string('b', 64) + "-1",
            PartSize = 16 << 20,
            Size = size,
            MtimeNs = 1_700_000_000_100_000_000 + (long)(ino == 5000 ? 5 : ino),
            AtimeNs = 1_700_000_000_000_000_000,
            CtimeNs = 1_700_000_000_300_000_000,
            ArchivedAtMs = 1_700_000_000_000,
            Remote = "fake://tier/east/",
            ETag = "\"etag\"",
        },
    };

    public NamespacePublisher Publisher(int maxDeltas = 64, IRemoteStore? remote = null, int keep = 100, TimeSpan? grace = null) =>
        new(remote ?? Remote, Index, new PublishOptions
        {
            Pair = Pair, ContractValue = "LC_1111,/src,LC_222,/dst", MaxDeltas = maxDeltas, TempDirectory = _files.Dir,
            KeepGenerations = keep, PruneGrace = grace ?? TimeSpan.FromHours(1),
        });

    public NamespaceReader Reader() => new(Remote, Pair, _files.Dir);

    /// <summary>Drops the index file and opens a new, empty one (a rebuilt index).</summary>
    public void NewIndex()
    {
        Index.Dispose();
        File.Delete(_files.DbPath);
        foreach (var f in Directory.GetFiles(Path.GetDirectoryName(_files.DbPath)!)) File.Delete(f);
        Index = _files.Open();
    }

    public void Dispose()
    {
        Index.Dispose();
        _files.Dispose();
    }
}
