using System.Text;
using TierFs.Namespace;
using TierFs.Records;
using TierFs.Tests.Records;

namespace TierFs.Tests.Namespace;

/// <summary>
/// The generation objects' format: format 2 stores a stub record field by field, digests as bytes,
/// losing nothing; format 1 (older publishers) is still read; a later format is refused by name.
/// </summary>
public class NamespaceFormatTests
{
    private static readonly GenerationHeader Header = new() { Pair = "heb", Generation = 1, Snapshot = true };

    private static NsEntry File(long id, StubRecord? record, long size = 4096) => new()
    {
        Id = id, ParentId = 1, Name = $"f{id}", Type = NsEntry.TypeFile, Mode = 0x81a4, Uid = 1000, Gid = 100, Size = size, Nlink = 1,
        Ino = 5000 + id, AtimeNs = 1_700_000_000_000_000_000 + id, MtimeNs = 1_600_000_000_000_000_000, CtimeNs = 1_600_000_000_000_000_007,
        State = record is null ? TierState.Resident : TierState.Released, Record = record,
        Xattrs = id % 2 == 0 ? [new NsXattr("user.a", [1, 2, 3])] : [],
    };

    private static byte[] Write(IEnumerable<NsEntry> entries, IEnumerable<long>? deletes = null)
    {
        var body = new MemoryStream();
        using (var records = GenerationObject.BeginWrite(body, Header))
        {
            foreach (var e in entries) records.WritePut(e);
            foreach (var d in deletes ?? []) records.WriteDelete(d);
        }
        return body.ToArray();
    }

    private static (List<NsEntry> Puts, List<long> Deletes) Read(byte[] bytes)
    {
        var puts = new List<NsEntry>();
        var deletes = new List<long>();
        GenerationObject.Read(new MemoryStream(bytes), puts.Add, deletes.Add);
        return (puts, deletes);
    }

    private static StubRecord Engine(Random rng, int generation = 1)
    {
        string Hex(int n)
        {
            var b = new byte[n];
            rng.NextBytes(b);
            return Convert.ToHexStringLower(b);
        }
        var id = Hex(16);
        return new StubRecord
        {
            State = StubRecord.StateReleased, FileId = id, Generation = generation, ObjectKey = $"data/{id[..2]}/{id}/{generation}.{Hex(8)}",
            Checksum = $"{Hex(16)}-3", Crc32C = $"{Hex(4)}-3", Blake3 = $"{Hex(32)}-3", ETag = $"\"{Hex(16)}-3\"", PartSize = 16 << 20,
            Size = 4096, MtimeNs = 1_600_000_000_000_000_000, AtimeNs = 1_700_000_000_000_000_001, CtimeNs = 1_600_000_000_000_000_007,
            Pair = "heb", Remote = "s3://tier/east/", ArchivedAtMs = 1_700_000_000_123, ReleasedAtMs = 1_700_000_000_456,
        };
    }

    [Fact]
    public void Every_field_of_a_record_and_of_its_entry_comes_back_from_format_2()
    {
        var rng = new Random(7);
        var every = OneRecordTests.EveryFieldSet() with { Version = StubRecord.CurrentVersion };
        // Text of every shape: hex upper and lower, quoted, with and without "-N", and what only looks like hex.
        var odd = new[] { "ABCDEF01", "abcdef01-0", "\"ab\"", "aB", "abc", "ab-01", "-1", "\"\"", "", "ab--1", "é", "00-18446744073709551615" };
        var entries = new List<NsEntry> { File(2, null), File(3, every), File(4, Engine(rng)), File(900, Engine(rng, 7), size: 1L << 40) };
        var n = 10L;
        foreach (var text in odd)
            entries.Add(File(n++, Engine(rng) with { Checksum = text, ETag = text, Crc32C = text, Blake3 = text, Pair = text, Remote = text, FileId = text.Length > 0 ? text : "x" }));
        entries.Add(File(n++, Engine(rng) with { ObjectKey = "data/zz/other/1.x" })); // not the engine's key of its id: kept as it is
        entries.Add(File(n, Engine(rng) with { Size = 1, MtimeNs = -5, AtimeNs = 0, CtimeNs = long.MaxValue }));

        var (puts, deletes) = Read(Write(entries, [3, 1, 1L << 50]));
        Assert.Equal(entries.Count, puts.Count);
        foreach (var (want, got) in entries.Zip(puts)) Assert.True(want.SameAs(got), $"{want}\n{got}");
        Assert.Equal([3L, 1L, 1L << 50], deletes);
    }

    [Fact]
    public void An_archived_files_record_costs_its_digests_as_bytes_not_as_hex()
    {
        // 1,000 files of random times and sizes, with records as the engine writes them: ~92 random
        // bytes each (id, key token, MD5, CRC, BLAKE3, ETag) and the file's size and times again.
        // Format 1 stored the record as its JSON: the digests as hex, the size and times in decimal.
        var rng = new Random(11);
        var entries = Enumerable.Range(2, 1000).Select(i =>
        {
            var (size, atime, mtime) = (rng.NextInt64(1L << 30), 1_700_000_000_000_000_000 - rng.NextInt64(1L << 56), 1_600_000_000_000_000_000 - rng.NextInt64(1L << 56));
            var e = File(i, Engine(rng) with { Size = size, AtimeNs = atime, MtimeNs = mtime, CtimeNs = mtime }) with { Xattrs = [] };
            return e with { Size = size, AtimeNs = atime, MtimeNs = mtime, CtimeNs = mtime };
        }).ToList();
        var perEntry = Write(entries).Length / 1000.0;
        var before = Format1.Write(entries, []).Length / 1000.0;
        Assert.True(perEntry < 140 && before > 180, $"{perEntry:F1} bytes per archived entry (format 1: {before:F1})");
    }

    [Fact]
    public void A_format_1_object_of_an_older_publisher_is_read()
    {
        var rng = new Random(3);
        var entries = new[] { File(2, null), File(3, Engine(rng)), File(4, OneRecordTests.EveryFieldSet() with { Version = StubRecord.CurrentVersion }) with { Xattrs = [] } }
            .Append(new NsEntry { Id = 5, ParentId = 1, Name = "l", Type = NsEntry.TypeSymlink, Target = "f2", Ino = 77 }).ToList();
        var (puts, deletes) = Read(Format1.Write(entries, [9]));
        foreach (var (want, got) in entries.Zip(puts, (w, g) => (w, g))) Assert.True(want.SameAs(got), $"{want}\n{got}");
        Assert.Equal([9L], deletes);
    }

    [Fact]
    public void A_generation_of_a_later_format_is_refused_by_its_format_not_guessed_at()
    {
        var bytes = Write([File(2, null)]);
        bytes[7] = (byte)'3';
        var e = Assert.Throws<NamespaceFormatException>(() => Read(bytes));
        Assert.Contains("format 3", e.Message);
        Assert.Contains("upgrade", e.Message);
        Assert.Contains("format 3", Assert.Throws<NamespaceFormatException>(() => GenerationObject.ReadHeader(bytes, out _)).Message);
    }

    [Fact]
    public void A_pointer_of_format_1_is_read_and_one_of_a_later_format_refused_by_its_format()
    {
        var chain = new[] { new GenerationRef(1, true, "ns/heb/gen/000000000001.x.snap", 10) };
        var old = Encoding.UTF8.GetBytes("{\"format\":1,\"pair\":\"heb\",\"generation\":1,\"chain\":[{\"gen\":1,\"snap\":true,\"key\":\"k\",\"len\":10}]}");
        Assert.Equal(1, NamespacePointer.Decode(old, "heb").Generation);
        var later = new NamespacePointer { Pair = "heb", Generation = 1, Chain = chain, Format = NamespacePointer.CurrentFormat + 1 }.Encode();
        Assert.Contains("upgrade", Assert.Throws<NamespaceFormatException>(() => NamespacePointer.Decode(later, "heb")).Message);
    }

    /// <summary>What TierFs wrote before format 2 (kept here to hold the reader to it).</summary>
    private static class Format1
    {
        public static byte[] Write(IEnumerable<NsEntry> entries, IEnumerable<long> deletes)
        {
            var body = new MemoryStream();
            using (var records = GenerationObject.BeginWrite(body, Header)) { } // the header as format 2 writes it
            var headerLength = 12 + (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(body.ToArray().AsSpan(8));
            var output = new MemoryStream();
            output.Write(body.ToArray().AsSpan(0, headerLength));
            output.Position = 7;
            output.WriteByte((byte)'1');
            output.Position = headerLength;
            using (var zstd = new ZstdSharp.CompressionStream(output, 3, leaveOpen: true))
            {
                foreach (var e in entries) Put(zstd, e);
                foreach (var d in deletes)
                {
                    zstd.WriteByte(2);
                    Var(zstd, (ulong)d);
                }
            }
            return output.ToArray();
        }

        private static void Put(Stream s, NsEntry e)
        {
            s.WriteByte(1);
            Var(s, (ulong)e.Id);
            Var(s, (ulong)e.ParentId);
            Bytes(s, Encoding.UTF8.GetBytes(e.Name));
            s.WriteByte((byte)e.Type);
            foreach (var v in new[] { e.Mode, e.Uid, e.Gid, e.Size, e.Nlink, e.Ino }) Var(s, (ulong)v);
            Zig(s, e.AtimeNs);
            Zig(s, e.MtimeNs - e.AtimeNs);
            Zig(s, e.CtimeNs - e.MtimeNs);
            Bytes(s, Encoding.UTF8.GetBytes(e.Target ?? ""));
            Var(s, (ulong)e.Xattrs.Count);
            foreach (var x in e.Xattrs)
            {
                Bytes(s, Encoding.UTF8.GetBytes(x.Name));
                Bytes(s, x.Value);
            }
            s.WriteByte((byte)e.State);
            Bytes(s, e.Record is null ? [] : StubXattr.Encode(e.Record));
        }

        private static void Var(Stream s, ulong v)
        {
            for (; v >= 0x80; v >>= 7) s.WriteByte((byte)(v | 0x80));
            s.WriteByte((byte)v);
        }

        private static void Zig(Stream s, long v) => Var(s, (ulong)((v << 1) ^ (v >> 63)));

        private static void Bytes(Stream s, byte[] b)
        {
            Var(s, (ulong)b.Length);
            s.Write(b);
        }
    }
}
