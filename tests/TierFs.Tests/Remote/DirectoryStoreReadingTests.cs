using System.Security.Cryptography;
using TierFs.IntegrationTests.Harness;
using TierFs.Remote;

namespace TierFs.Tests.Remote;

/// <summary>
/// The remote-store API for streaming recall and the west view on the directory store: part
/// manifests written at upload and bound to the stub's digest, verified ranged reads into memory
/// and into a file, a part fetch that reports each part and takes priorities, listings with
/// attributes, small objects, and deletes that take the manifest along.
/// </summary>
public sealed class DirectoryStoreReadingTests : IDisposable
{
    private const int PartSize = 64 * 1024;
    private static readonly Dictionary<string, string> Attributes = new() { ["file_id"] = "abc" };

    private readonly string _root = Directory.CreateTempSubdirectory("tierfs-reading-").FullName;
    private readonly string _archive;
    private readonly IRemoteStore _store;
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));

    public DirectoryStoreReadingTests()
    {
        _archive = Path.Combine(_root, "archive");
        Directory.CreateDirectory(_archive);
        _store = RemoteStore.Create(new DirectoryStoreOptions { Path = _archive, Prefix = "east", PartSize = PartSize, Concurrency = 3 });
    }

    public void Dispose()
    {
        _store.DisposeAsync().AsTask().Wait();
        _timeout.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private CancellationToken Ct => _timeout.Token;

    private string ObjectFile(string key) => Path.Combine(_archive, "east", key);

    private string ManifestFile(string key) => Path.Combine(_archive, "east", PartManifest.KeyFor(key));

    [Fact]
    public async Task A_multi_part_upload_stores_a_manifest_that_combines_to_the_recorded_digest()
    {
        var data = RandomNumberGenerator.GetBytes(5 * PartSize + 123);
        var up = await Upload("data/ab/abc/1.x", data);

        Assert.True(File.Exists(ManifestFile("data/ab/abc/1.x")));
        var leaves = (int)(PartSize / LeadTree.LeafSizeFor(PartSize)!.Value); // the first part's lead tree (format 2)
        Assert.Equal(28 + 6 * 36 + 12 + leaves * 32, new FileInfo(ManifestFile("data/ab/abc/1.x")).Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ManifestFile("data/ab/abc/1.x")));
        var manifest = await _store.ReadManifestAsync("data/ab/abc/1.x", Ct);
        Assert.NotNull(manifest);
        Assert.Equal(6, manifest.Count);
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(up.Parts[i].Blake3, manifest.Blake3Of(i).ToArray());
            Assert.Equal(up.Parts[i].Crc32C, manifest.Crc32COf(i));
        }
        manifest.Verify(Digest(up), "test"); // combines to the record's b3 and crc, the lead to part 1's BLAKE3
        Assert.Equal(leaves, manifest.Lead!.Count);
        Assert.True(manifest.Lead.IsLeaf(1, data.AsSpan((int)manifest.Lead.LeafSize, (int)manifest.Lead.LeafSize)));
        Assert.Equal(["data/ab/abc/1.x"], await Keys("")); // not listed
    }

    [Fact]
    public async Task A_single_part_object_has_no_manifest_and_is_verified_against_the_digest_itself()
    {
        var data = RandomNumberGenerator.GetBytes(PartSize - 1);
        var up = await Upload("one", data);
        Assert.False(File.Exists(ManifestFile("one")));
        Assert.Null(await _store.ReadManifestAsync("one", Ct));

        var reader = await VerifiedReader.OpenAsync(_store, "one", Digest(up), Ct);
        Assert.NotNull(reader);
        var into = new byte[data.Length];
        await reader.ReadPartAsync(0, into, Ct);
        Assert.Equal(data, into);

        Corrupt("one", 100);
        var e = await Assert.ThrowsAsync<RemoteDataException>(() => reader.ReadPartAsync(0, into, Ct));
        Assert.Contains("checksum mismatch", e.Message);
        Assert.All(into, b => Assert.Equal(0, b)); // nothing unverified is left in the buffer
    }

    [Fact]
    public async Task Verified_reads_into_memory_and_into_a_file_give_the_archived_bytes()
    {
        var data = RandomNumberGenerator.GetBytes(4 * PartSize + 777);
        var up = await Upload("k", data);
        var reader = await VerifiedReader.OpenAsync(_store, "k", Digest(up), Ct);
        Assert.NotNull(reader);

        for (var i = 0; i < reader.Plan.Count; i++)
        {
            var part = new byte[reader.Plan.LengthOf(i)];
            await reader.ReadPartAsync(i, part, Ct);
            Assert.Equal(data.AsSpan((int)reader.Plan.OffsetOf(i), part.Length).ToArray(), part);
        }

        var target = Path.Combine(_root, "target");
        using (var handle = File.OpenHandle(target, FileMode.CreateNew, FileAccess.ReadWrite))
        {
            // Parts land at their own offsets, in any order.
            foreach (var i in new[] { 4, 0, 2, 1, 3 }) await reader.ReadPartAsync(i, handle, reader.Plan.OffsetOf(i), Ct);
        }
        Assert.Equal(data, File.ReadAllBytes(target));

        // Any range: inside one part, across parts, the whole, the last byte, nothing.
        foreach (var (offset, length) in new[] { (10L, 100), (PartSize - 5L, 10), (PartSize + 1L, 3 * PartSize), (0L, data.Length), (data.Length - 1L, 1), (5L, 0) })
        {
            var into = new byte[length];
            await reader.ReadAsync(offset, into, Ct);
            Assert.Equal(data.AsSpan((int)offset, length).ToArray(), into);
        }
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => reader.ReadAsync(data.Length - 1, new byte[2], Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => reader.ReadPartAsync(0, new byte[PartSize - 1], Ct));
    }

    [Fact]
    public async Task A_corrupted_part_is_refused_on_its_own_and_the_others_still_read()
    {
        var data = RandomNumberGenerator.GetBytes(3 * PartSize);
        var up = await Upload("c", data);
        Corrupt("c", PartSize + 17);
        var reader = (await VerifiedReader.OpenAsync(_store, "c", Digest(up), Ct))!;

        var part = new byte[PartSize];
        var e = await Assert.ThrowsAsync<RemoteDataException>(() => reader.ReadPartAsync(1, part, Ct));
        Assert.Contains("part 2/3", e.Message);
        Assert.All(part, b => Assert.Equal(0, b));
        var range = new byte[2 * PartSize];
        await Assert.ThrowsAsync<RemoteDataException>(() => reader.ReadAsync(0, range, Ct));
        Assert.All(range, b => Assert.Equal(0, b)); // part 1 was good, but the read as a whole failed: nothing is left
        await reader.ReadPartAsync(2, part, Ct);
        Assert.Equal(data.AsSpan(2 * PartSize).ToArray(), part);
    }

    [Fact]
    public async Task Attacker_a_part_forged_to_keep_its_CRC_is_refused_by_its_BLAKE3()
    {
        var data = RandomNumberGenerator.GetBytes(3 * PartSize);
        var up = await Upload("f", data);
        // Whoever can write the archive replaces bytes of part 2 and restores its CRC32C.
        var forged = CrcForgery.SameCrc(data[PartSize..(2 * PartSize)], 100, "EVIL BYTES"u8, 4000);
        Assert.Equal(CrcForgery.Crc32C(data.AsSpan(PartSize, PartSize)), CrcForgery.Crc32C(forged));
        using (var f = File.OpenHandle(ObjectFile("f"), FileMode.Open, FileAccess.Write)) RandomAccess.Write(f, forged, PartSize);

        var reader = (await VerifiedReader.OpenAsync(_store, "f", Digest(up), Ct))!;
        var e = await Assert.ThrowsAsync<RemoteDataException>(() => reader.ReadPartAsync(1, new byte[PartSize], Ct));
        Assert.Contains("BLAKE3", e.Message);
    }

    [Fact]
    public async Task Attacker_a_manifest_rewritten_to_match_forged_data_is_refused_by_the_record()
    {
        var data = RandomNumberGenerator.GetBytes(3 * PartSize);
        var up = await Upload("m", data);
        // The attacker replaces part 2 and writes a manifest that agrees with the new bytes.
        var evil = (byte[])data.Clone();
        RandomNumberGenerator.Fill(evil.AsSpan(PartSize, PartSize));
        using (var f = File.OpenHandle(ObjectFile("m"), FileMode.Open, FileAccess.Write)) RandomAccess.Write(f, evil, 0);
        var forgedManifest = PartManifest.FromDigests(new PartPlan(evil.Length, PartSize), Enumerable.Range(0, 3)
            .Select(i => PartDigestOf(evil.AsSpan(i * PartSize, PartSize))).ToList());
        File.WriteAllBytes(ManifestFile("m"), forgedManifest.ToBytes());

        var e = await Assert.ThrowsAsync<RemoteDataException>(() => VerifiedReader.OpenAsync(_store, "m", Digest(up), Ct));
        Assert.Contains("the part manifest combines to", e.Message);
        Assert.Contains(up.Blake3, e.Message);

        // Its BLAKE3s kept but its CRCs (the early check) changed: refused too, by the record's CRC.
        var honest = File.ReadAllBytes(ManifestFile("m"));
        var original = PartManifest.FromDigests(new PartPlan(data.Length, PartSize), up.Parts).ToBytes();
        original[28 + 36 + 32] ^= 1;
        File.WriteAllBytes(ManifestFile("m"), original);
        e = await Assert.ThrowsAsync<RemoteDataException>(() => VerifiedReader.OpenAsync(_store, "m", Digest(up), Ct));
        Assert.Contains("CRCs combine to", e.Message);
        Assert.NotEqual(honest, original);

        // A record of another cut is no match either (a manifest's length and part size are not trusted).
        File.WriteAllBytes(ManifestFile("m"), PartManifest.FromDigests(new PartPlan(data.Length, PartSize), up.Parts).ToBytes());
        var other = new ObjectDigest(data.Length - 1, PartSize, up.Blake3, up.Crc32C);
        e = await Assert.ThrowsAsync<RemoteDataException>(() => VerifiedReader.OpenAsync(_store, "m", other, Ct));
        Assert.Contains("describes", e.Message);
    }

    [Fact]
    public async Task An_object_archived_before_manifests_opens_no_reader_so_the_caller_recalls_it_whole()
    {
        var data = RandomNumberGenerator.GetBytes(2 * PartSize + 1);
        var up = await Upload("old", data);
        File.Delete(ManifestFile("old")); // as an object archived before manifests existed
        Assert.Null(await VerifiedReader.OpenAsync(_store, "old", Digest(up), Ct));
        File.WriteAllBytes(ManifestFile("old"), "garbage"u8.ToArray());
        await Assert.ThrowsAsync<RemoteDataException>(() => _store.ReadManifestAsync("old", Ct));
    }

    [Fact]
    public async Task A_part_fetch_reports_each_part_verified_and_takes_the_part_a_reader_needs_first()
    {
        var data = RandomNumberGenerator.GetBytes(6 * PartSize + 5);
        var up = await Upload("p", data);
        var reader = (await VerifiedReader.OpenAsync(_store, "p", Digest(up), Ct))!;
        var order = new List<int>();
        var target = Path.Combine(_root, "fetched");
        using (var handle = File.OpenHandle(target, FileMode.CreateNew, FileAccess.ReadWrite))
        {
            var fetch = new PartFetch(reader, handle, concurrency: 1, partVerified: i => { lock (order) order.Add(i); });
            Assert.True(fetch.Prioritize(5 * PartSize + 3)); // a reader at the end: part 6 first
            Assert.True(fetch.Prioritize(3 * PartSize)); // then one in the middle, before it
            await fetch.RunAsync(Ct);
            Assert.All(Enumerable.Range(0, 7), i => Assert.True(fetch.WhenVerified(i).IsCompletedSuccessfully));
            Assert.False(fetch.Prioritize(0)); // done: nothing to move
        }
        Assert.Equal([3, 5, 0, 1, 2, 4, 6], order);
        Assert.Equal(data, File.ReadAllBytes(target));
    }

    [Fact]
    public async Task A_part_fetch_stops_at_a_bad_part_and_every_part_not_verified_fails_with_it()
    {
        var data = RandomNumberGenerator.GetBytes(4 * PartSize);
        var up = await Upload("bad", data);
        Corrupt("bad", 2 * PartSize + 9);
        var reader = (await VerifiedReader.OpenAsync(_store, "bad", Digest(up), Ct))!;
        using var handle = File.OpenHandle(Path.Combine(_root, "partial"), FileMode.CreateNew, FileAccess.ReadWrite);
        var fetch = new PartFetch(reader, handle, concurrency: 1);
        var e = await Assert.ThrowsAsync<RemoteDataException>(() => fetch.RunAsync(Ct));
        Assert.Contains("part 3/4", e.Message);
        Assert.True(fetch.IsVerified(0) && fetch.IsVerified(1));
        await Assert.ThrowsAsync<RemoteDataException>(() => fetch.WhenVerified(2));
        await Assert.ThrowsAsync<RemoteDataException>(() => fetch.WhenVerified(3));
        await Assert.ThrowsAsync<InvalidOperationException>(() => fetch.RunAsync(Ct));
    }

    [Fact]
    public async Task Delete_takes_the_manifest_along_and_a_single_part_upload_replaces_a_stale_one()
    {
        await Upload("x/y/big", RandomNumberGenerator.GetBytes(2 * PartSize));
        Assert.True(File.Exists(ManifestFile("x/y/big")));
        await _store.DeleteAsync("x/y/big", Ct);
        Assert.False(File.Exists(ManifestFile("x/y/big")));
        Assert.False(Directory.Exists(Path.Combine(_archive, "east", "x"))); // pruned: nothing was left in it

        await Upload("z", RandomNumberGenerator.GetBytes(2 * PartSize));
        await Upload("z", RandomNumberGenerator.GetBytes(10));
        Assert.Null(await _store.ReadManifestAsync("z", Ct));
    }

    [Fact]
    public async Task Listing_with_attributes_gives_what_a_head_gives_and_small_objects_read_whole()
    {
        await Upload("a/1", RandomNumberGenerator.GetBytes(3 * PartSize));
        await _store.PutRecordAsync("a/2.json", "{\"n\":2}"u8.ToArray(), Attributes, Ct);
        var plain = new List<RemoteObjectInfo>();
        await foreach (var o in _store.ListAsync("a/", withAttributes: false, Ct)) plain.Add(o);
        var full = new List<RemoteObjectInfo>();
        await foreach (var o in _store.ListAsync("a/", withAttributes: true, Ct)) full.Add(o);

        Assert.Equal(["a/1", "a/2.json"], full.Select(o => o.Key));
        Assert.All(plain, o => Assert.Empty(o.Attributes));
        Assert.Equal(3 * PartSize, full[0].Length);
        Assert.Equal(PartSize, full[0].PartSize);
        Assert.Equal("abc", full[0].Attributes["file_id"]);
        Assert.Equal((await _store.HeadAsync("a/1", Ct))!.ETag, full[0].ETag);
        Assert.Equal("abc", full[1].Attributes["file_id"]);

        Assert.Equal("{\"n\":2}"u8.ToArray(), await _store.GetSmallAsync("a/2.json", 100, Ct));
        Assert.Null(await _store.GetSmallAsync("a/none", 100, Ct));
        var e = await Assert.ThrowsAsync<RemoteDataException>(() => _store.GetSmallAsync("a/1", 1000, Ct));
        Assert.Contains("more than the 1000", e.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => _store.GetSmallAsync(PartManifest.KeyFor("a/1"), 1000, Ct)); // the store's own
    }

    [Fact]
    public async Task Raw_ranged_reads_name_a_missing_object_and_a_range_past_the_end()
    {
        await Upload("r", RandomNumberGenerator.GetBytes(1000));
        await Assert.ThrowsAsync<RemoteObjectMissingException>(() => _store.ReadRangeAsync("none", 0, 1, (_, _) => ValueTask.CompletedTask, Ct));
        var e = await Assert.ThrowsAsync<RemoteDataException>(() => _store.ReadRangeAsync("r", 900, 101, (_, _) => ValueTask.CompletedTask, Ct));
        Assert.Contains("the object has 1000", e.Message);
        // A failure of the sink (the caller's disk) passes unchanged.
        await Assert.ThrowsAsync<IOException>(() => _store.ReadRangeAsync("r", 0, 10, (_, _) => throw new IOException("disk full"), Ct));
    }

    private async Task<UploadResult> Upload(string key, byte[] data)
    {
        var path = Path.Combine(_root, "up-" + Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(path, data);
        using var handle = File.OpenHandle(path);
        return await _store.UploadAsync(key, handle, data.Length, Attributes, null, Ct);
    }

    private static ObjectDigest Digest(UploadResult up) => new(up.Length, up.PartSize, up.Blake3, up.Crc32C);

    private static TierFs.Remote.Transfer.PartDigest PartDigestOf(ReadOnlySpan<byte> part) =>
        new(null, CompositeBlake3.Hash(part), CrcForgery.Crc32C(part));

    private void Corrupt(string key, long at)
    {
        using var f = File.OpenHandle(ObjectFile(key), FileMode.Open, FileAccess.ReadWrite);
        var one = new byte[1];
        RandomAccess.Read(f, one, at);
        one[0] ^= 0x40;
        RandomAccess.Write(f, one, at);
    }

    private async Task<List<string>> Keys(string prefix)
    {
        var keys = new List<string>();
        await foreach (var o in _store.ListAsync(prefix, withAttributes: false, Ct)) keys.Add(o.Key);
        return keys;
    }
}
