using TierFs.Index;
using TierFs.Records;

/// <summary>
/// A synthetic tree: 1000 files per directory under ten top directories; sizes log-normal around
/// 64 KiB, plus 0.5% large files of 1–16 GiB; atimes over two years, mtime ≤ atime; owners
/// skewed (uid 1000 owns about a fifth); 15% archived and 5% released.
/// </summary>
internal static class TreeGenerator
{
    private const long Day = 86_400_000_000_000;
    private const int PerDir = 1000;

    /// <param name="fullRecords">Records as the engine writes them today (BLAKE3 and CRC digests, remote, ETag, a random key token), not only what the planner reads.</param>
    /// <param name="archived">The share of files with a record (a quarter of them released).</param>
    public static void Fill(TierIndex index, int files, Random rng, bool fullRecords = false, double archived = 0.20)
    {
        var now = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
        index.PutEntry(Dir(EntryRow.RootId, 0, "", 1));
        var tops = Enumerable.Range(0, 10).Select(t =>
        {
            var id = index.NewEntryId();
            index.PutEntry(Dir(id, EntryRow.RootId, $"top{t}", (ulong)id));
            return id;
        }).ToArray();
        long dirId = 0;
        for (var i = 0; i < files; i++)
        {
            if (i % PerDir == 0)
            {
                dirId = index.NewEntryId();
                index.PutEntry(Dir(dirId, tops[i / PerDir % tops.Length], $"d{i / PerDir:D5}", (ulong)dirId));
            }
            var id = index.NewEntryId();
            var size = Size(rng);
            var atime = now - (long)(rng.NextDouble() * 730 * Day);
            var mtime = atime - (long)(rng.NextDouble() * 365 * Day);
            var key = new FileKey(0x803, (ulong)id);
            index.PutEntry(new EntryRow
            {
                Id = id, ParentId = dirId, Name = $"file{i:D7}.dat", Type = EntryRow.TypeFile, Key = key, Nlink = 1,
                Mode = 0x81a4, Uid = Owner(rng), Gid = 100, Size = size, Blocks = (size + 511) / 512,
                AtimeNs = atime, MtimeNs = mtime, CtimeNs = mtime, Scan = 1,
            });
            var roll = rng.NextDouble();
            if (roll < archived)
            {
                var record = new StubRecord
                {
                    FileId = Guid.NewGuid().ToString("N"), State = roll < archived / 4 ? StubRecord.StateReleased : StubRecord.StateArchived,
                    ObjectKey = $"p/data/{id % 256:x2}/{id}/1", Generation = 1, Size = size, MtimeNs = mtime, AtimeNs = atime, CtimeNs = mtime,
                    PartSize = 16 << 20, Checksum = "9e107d9d372bb6826bd81d3542a419d6-1", ArchivedAtMs = now / 1_000_000,
                };
                if (fullRecords)
                    record = record with
                    {
                        ObjectKey = $"data/{record.FileId[..2]}/{record.FileId}/1.{rng.NextInt64():x16}",
                        Checksum = $"{Hex(rng, 16)}-1", Blake3 = $"{Hex(rng, 32)}-1", Crc32C = $"{Hex(rng, 4)}-1",
                        Remote = "s3://tier/east/", ETag = $"\"{Hex(rng, 16)}\"",
                    };
                index.Upsert(new TierRow { Key = key, Record = record });
            }
        }
        index.Flush();
    }

    private static EntryRow Dir(long id, long parent, string name, ulong ino) => new()
    {
        Id = id, ParentId = parent, Name = name, Type = EntryRow.TypeDir, Key = new FileKey(0x803, ino), Nlink = 2, Mode = 0x41ed, Size = 4096, Scan = 1,
    };

    // exp(N(ln 64 KiB, 2.3)): median 64 KiB, 90% between 1.5 KiB and 2.8 MiB.
    private static long Size(Random rng)
    {
        if (rng.NextDouble() < 0.005) return (long)((1 + 15 * rng.NextDouble()) * (1L << 30));
        var normal = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        return (long)Math.Min(Math.Exp(Math.Log(65536) + 2.3 * normal), 1L << 40);
    }

    private static string Hex(Random rng, int bytes)
    {
        var b = new byte[bytes];
        rng.NextBytes(b);
        return Convert.ToHexStringLower(b);
    }

    private static long Owner(Random rng) => rng.NextDouble() < 0.2 ? 1000 : 1001 + rng.Next(50);
}
