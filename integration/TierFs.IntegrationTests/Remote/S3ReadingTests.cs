using System.Security.Cryptography;
using Amazon.S3.Model;
using TierFs.IntegrationTests.Harness;
using TierFs.Remote;
using Xunit.Abstractions;

namespace TierFs.IntegrationTests.Remote;

/// <summary>
/// The remote-store API for streaming recall and the west view against a real s3rver: the part
/// manifest stored beside a multi-part object (before the object appears), verified ranged reads,
/// a part fetch with priorities, listings with attributes (a HEAD per object), small objects, and
/// deletes that take the manifest along.
/// </summary>
public sealed class S3ReadingTests(S3ServerFixture fixture, ITestOutputHelper output) : S3StoreTestBase(fixture, output)
{
    private const int MiB = 1024 * 1024;
    private const int PartSize = 5 * MiB;

    /// <summary>What the first part's lead tree adds to a manifest (format 2): five leaves of 1 MiB.</summary>
    private const int LeadBytes = 12 + 5 * 32;
    private static readonly Dictionary<string, string> Attributes = new() { ["file_id"] = "f00d" };

    protected override IReadOnlyDictionary<string, string> UploadAttributes => Attributes;

    [Fact]
    public async Task A_multi_part_upload_stores_its_manifest_before_completing_and_the_manifest_binds_to_the_digest()
    {
        var recorder = new WireRecorder();
        await using var store = Store(recorder);
        var data = RandomNumberGenerator.GetBytes(2 * PartSize + 12345);
        var up = await Upload(store, "data/f0/f00d/1.aa", data);

        var requests = recorder.Requests.ToList();
        var manifestPut = requests.FindIndex(r => r.Method == "PUT" && r.PathAndQuery.Contains(".tierfs-parts.1.aa", StringComparison.Ordinal));
        var complete = requests.FindIndex(r => r.Method == "POST" && r.PathAndQuery.Contains("uploadId=", StringComparison.Ordinal));
        Assert.True(manifestPut >= 0 && complete > manifestPut, $"manifest PUT at {manifestPut}, complete at {complete}");
        Assert.Equal(requests[manifestPut].BodyMd5, requests[manifestPut].ContentMd5); // verified by the server like every PUT

        using var raw = _server.RawClient();
        var all = await raw.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _server.Bucket, Prefix = _prefix + "/" }, Ct);
        Assert.Equal([$"{_prefix}/data/f0/f00d/.tierfs-parts.1.aa", $"{_prefix}/data/f0/f00d/1.aa"], all.S3Objects.Select(o => o.Key).Order(StringComparer.Ordinal));
        Assert.Equal(28 + 3 * 36 + LeadBytes, all.S3Objects.Single(o => o.Key.Contains(".tierfs-parts", StringComparison.Ordinal)).Size);
        Assert.Equal(["data/f0/f00d/1.aa"], await Keys(store, "")); // the store lists data only

        var manifest = await store.ReadManifestAsync("data/f0/f00d/1.aa", Ct);
        Assert.NotNull(manifest);
        Assert.Equal(3, manifest.Count);
        for (var i = 0; i < 3; i++) Assert.Equal(up.Parts[i].Blake3, manifest.Blake3Of(i).ToArray());
        manifest.Verify(Digest(up), "test");
        Assert.True(manifest.Lead!.IsLeaf(4, data.AsSpan(4 * MiB, MiB))); // the first part's five 1 MiB leaves

        // One part: no manifest (the stub's digest is its own).
        await Upload(store, "small", RandomNumberGenerator.GetBytes(1000));
        Assert.Null(await store.ReadManifestAsync("small", Ct));
    }

    [Fact]
    public async Task Verified_ranged_reads_into_memory_and_a_file_give_the_archived_bytes_one_GET_per_part()
    {
        var recorder = new WireRecorder();
        await using var store = Store(recorder);
        var data = RandomNumberGenerator.GetBytes(3 * PartSize + 777);
        var up = await Upload(store, "k", data);
        var reader = await VerifiedReader.OpenAsync(store, "k", Digest(up), Ct);
        Assert.NotNull(reader);

        var gets = recorder.Requests.Count(r => r.Method == "GET");
        var last = new byte[reader.Plan.LengthOf(3)];
        await reader.ReadPartAsync(3, last, Ct);
        Assert.Equal(data.AsSpan(3 * PartSize).ToArray(), last);
        Assert.Equal(gets + 1, recorder.Requests.Count(r => r.Method == "GET"));

        var target = Path.Combine(_dir, "target");
        using (var handle = File.OpenHandle(target, FileMode.CreateNew, FileAccess.ReadWrite))
            foreach (var i in new[] { 2, 0, 3, 1 }) await reader.ReadPartAsync(i, handle, reader.Plan.OffsetOf(i), Ct);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(File.ReadAllBytes(target)));

        var span = new byte[PartSize + 10];
        await reader.ReadAsync(PartSize - 5, span, Ct);
        Assert.Equal(data.AsSpan(PartSize - 5, span.Length).ToArray(), span);
    }

    [Fact]
    public async Task Attacker_a_replaced_object_and_a_forged_manifest_are_refused()
    {
        await using var store = Store();
        var data = RandomNumberGenerator.GetBytes(2 * PartSize + 1);
        var up = await Upload(store, "victim", data);

        // Whoever holds the bucket's credentials replaces the object (one PUT, other bytes in part 2)...
        var evil = (byte[])data.Clone();
        RandomNumberGenerator.Fill(evil.AsSpan(PartSize, 100));
        using var raw = _server.RawClient();
        await raw.PutObjectAsync(new PutObjectRequest { BucketName = _server.Bucket, Key = $"{_prefix}/victim", InputStream = new MemoryStream(evil), UseChunkEncoding = false }, Ct);
        var reader = (await VerifiedReader.OpenAsync(store, "victim", Digest(up), Ct))!;
        await reader.ReadPartAsync(0, new byte[PartSize], Ct); // part 1 is still the archived one
        var e = await Assert.ThrowsAsync<RemoteDataException>(() => reader.ReadPartAsync(1, new byte[PartSize], Ct));
        _output.WriteLine(e.Message);
        Assert.Contains("part 2/3", e.Message);

        // ... and writes a manifest that matches the new bytes: refused, it does not combine to the stub's digest.
        var plan = new PartPlan(evil.Length, PartSize);
        var parts = Enumerable.Range(0, plan.Count).Select(i => new TierFs.Remote.Transfer.PartDigest(null,
            CompositeBlake3.Hash(evil.AsSpan((int)plan.OffsetOf(i), (int)plan.LengthOf(i))), CrcForgery.Crc32C(evil.AsSpan((int)plan.OffsetOf(i), (int)plan.LengthOf(i))))).ToList();
        await raw.PutObjectAsync(new PutObjectRequest
        {
            BucketName = _server.Bucket, Key = $"{_prefix}/{PartManifest.KeyFor("victim")}",
            InputStream = new MemoryStream(PartManifest.FromDigests(plan, parts).ToBytes()), UseChunkEncoding = false,
        }, Ct);
        e = await Assert.ThrowsAsync<RemoteDataException>(() => VerifiedReader.OpenAsync(store, "victim", Digest(up), Ct));
        _output.WriteLine(e.Message);
        Assert.Contains("the part manifest combines to", e.Message);
    }

    [Fact]
    public async Task A_part_fetch_reports_parts_as_they_land_verified_the_needed_part_first()
    {
        await using var store = Store();
        var data = RandomNumberGenerator.GetBytes(3 * PartSize + 3);
        var up = await Upload(store, "p", data);
        var reader = (await VerifiedReader.OpenAsync(store, "p", Digest(up), Ct))!;
        var order = new List<int>();
        var target = Path.Combine(_dir, "fetched");
        using (var handle = File.OpenHandle(target, FileMode.CreateNew, FileAccess.ReadWrite))
        {
            var fetch = new PartFetch(reader, handle, concurrency: 1, partVerified: i => { lock (order) order.Add(i); });
            fetch.Prioritize(3 * PartSize + 1);
            await fetch.RunAsync(Ct);
        }
        Assert.Equal([3, 0, 1, 2], order);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(File.ReadAllBytes(target)));
    }

    [Fact]
    public async Task Delete_takes_the_manifest_along()
    {
        await using var store = Store();
        await Upload(store, "d/big", RandomNumberGenerator.GetBytes(PartSize + 1));
        await store.DeleteAsync("d/big", Ct);
        using var raw = _server.RawClient();
        var all = await raw.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _server.Bucket, Prefix = _prefix + "/" }, Ct);
        Assert.Empty(all.S3Objects ?? []);
    }

    [Fact]
    public async Task A_manifest_refused_in_transit_fails_the_upload_and_leaves_nothing()
    {
        var recorder = new WireRecorder
        {
            VerifyMd5 = true,
            Corrupt = r => r.RequestUri!.AbsolutePath.Contains(".tierfs-parts", StringComparison.Ordinal),
        };
        await using var store = Store(recorder);
        var e = await Assert.ThrowsAsync<RemoteDataException>(() => Upload(store, "torn", RandomNumberGenerator.GetBytes(PartSize + 1)));
        Assert.Contains("BadDigest", e.Message);
        Assert.Contains(recorder.Requests, r => r.Method == "DELETE" && r.PathAndQuery.Contains("uploadId=", StringComparison.Ordinal)); // aborted
        using var raw = _server.RawClient();
        var all = await raw.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _server.Bucket, Prefix = _prefix + "/" }, Ct);
        Assert.Empty(all.S3Objects ?? []);
    }

    [Fact]
    public async Task Listing_with_attributes_heads_every_object_and_small_objects_read_whole()
    {
        var recorder = new WireRecorder();
        await using var store = Store(recorder);
        await Upload(store, "w/a", RandomNumberGenerator.GetBytes(PartSize + 2));
        for (var i = 0; i < 12; i++) await store.PutRecordAsync($"w/m{i:00}.json", System.Text.Encoding.UTF8.GetBytes($"{{\"n\":{i}}}"), Attributes, Ct);

        var heads = recorder.Requests.Count(r => r.Method == "HEAD");
        var listed = new List<RemoteObjectInfo>();
        await foreach (var o in store.ListAsync("w/", withAttributes: true, Ct)) listed.Add(o);
        Assert.Equal(13, recorder.Requests.Count(r => r.Method == "HEAD") - heads);
        // s3rver lists in its own file order; AWS, MinIO and Ceph in key order: compare as sets.
        Assert.Equal(["w/a", .. Enumerable.Range(0, 12).Select(i => $"w/m{i:00}.json")], listed.Select(o => o.Key).Order(StringComparer.Ordinal));
        var big = listed.Single(o => o.Key == "w/a");
        Assert.Equal((PartSize + 2L, (long?)PartSize, "f00d"), (big.Length, big.PartSize, big.Attributes["file_id"]));
        Assert.All(listed, o => Assert.Equal("f00d", o.Attributes["file_id"]));
        var plain = new List<RemoteObjectInfo>();
        await foreach (var o in store.ListAsync("w/", withAttributes: false, Ct)) plain.Add(o);
        Assert.All(plain, o => Assert.Empty(o.Attributes));

        Assert.Equal("{\"n\":7}"u8.ToArray(), await store.GetSmallAsync("w/m07.json", 100, Ct));
        Assert.Null(await store.GetSmallAsync("w/none", 100, Ct));
        var e = await Assert.ThrowsAsync<RemoteDataException>(() => store.GetSmallAsync("w/a", 4096, Ct));
        Assert.Contains("more than the 4096", e.Message);
    }

    [Fact]
    public async Task Objects_and_manifests_come_from_one_listing_pass_also_a_manifest_whose_object_is_gone()
    {
        var recorder = new WireRecorder();
        await using var store = Store(recorder, partSize: PartSize);
        await Upload(store, "data/aa/x/1.t", RandomNumberGenerator.GetBytes(PartSize + 3)); // two parts: a manifest
        await Upload(store, "data/aa/y/1.t", RandomNumberGenerator.GetBytes(PartSize + 3));
        await Upload(store, "data/bb/z/1.t", RandomNumberGenerator.GetBytes(10)); // one part: none
        await Upload(store, "other/w", RandomNumberGenerator.GetBytes(10)); // outside the prefix
        using (var raw = _server.RawClient()) // an upload that could not clean up: the manifest stays, its object is gone
            await raw.DeleteObjectAsync(_server.Bucket, $"{_prefix}/data/aa/y/1.t", Ct);

        var lists = recorder.Requests.Count(r => r.Method == "GET" && r.PathAndQuery.Contains("list-type=2", StringComparison.Ordinal));
        var listed = new List<ListedObject>();
        await foreach (var o in store.ListWithManifestsAsync("data/", Ct)) listed.Add(o);

        // One LIST request for these few keys: objects and manifests from the same pages (verify listed twice before).
        Assert.Equal(1, recorder.Requests.Count(r => r.Method == "GET" && r.PathAndQuery.Contains("list-type=2", StringComparison.Ordinal)) - lists);
        Assert.Equal(["data/aa/x/1.t", "data/bb/z/1.t"], listed.Where(o => !o.Manifest).Select(o => o.Info.Key).Order(StringComparer.Ordinal));
        Assert.Equal(["data/aa/x/1.t", "data/aa/y/1.t"], listed.Where(o => o.Manifest).Select(o => o.Info.Key).Order(StringComparer.Ordinal));
        Assert.Equal(10, listed.Single(o => o.Info.Key == "data/bb/z/1.t").Info.Length);
        Assert.All(listed.Where(o => o.Manifest), o => Assert.Equal(28 + 2 * 36 + LeadBytes, o.Info.Length)); // the manifest's own length
        // A prefix inside a directory: the manifest is taken by its object's key.
        var under = new List<ListedObject>();
        await foreach (var o in store.ListWithManifestsAsync("data/aa/x/1", Ct)) under.Add(o);
        Assert.Equal([("data/aa/x/1.t", false), ("data/aa/x/1.t", true)], under.Select(o => (o.Info.Key, o.Manifest)).Order());
    }

    [Fact]
    public async Task Raw_ranged_reads_name_a_missing_object_and_a_range_past_the_end()
    {
        await using var store = Store();
        await store.PutRecordAsync("r", new byte[1000], Attributes, Ct);
        var got = new List<byte>();
        await store.ReadRangeAsync("r", 990, 10, (c, _) => { got.AddRange(c.ToArray()); return ValueTask.CompletedTask; }, Ct);
        Assert.Equal(10, got.Count);
        await Assert.ThrowsAsync<RemoteObjectMissingException>(() => store.ReadRangeAsync("none", 0, 1, (_, _) => ValueTask.CompletedTask, Ct));
        var e = await Assert.ThrowsAsync<RemoteDataException>(() => store.ReadRangeAsync("r", 900, 101, (_, _) => ValueTask.CompletedTask, Ct));
        _output.WriteLine(e.Message);
        e = await Assert.ThrowsAsync<RemoteDataException>(() => store.ReadRangeAsync("r", 1000, 1, (_, _) => ValueTask.CompletedTask, Ct));
        _output.WriteLine(e.Message);
        // A failure of the sink (the caller's disk) is not taken for the network's: it passes unchanged, not retried.
        var recorder = new WireRecorder();
        await using var recorded = Store(recorder);
        await Assert.ThrowsAsync<IOException>(() => recorded.ReadRangeAsync("r", 0, 10, (_, _) => throw new IOException("disk full"), Ct));
        Assert.Single(recorder.Requests, r => r.Method == "GET");
    }

    private IRemoteStore Store(WireRecorder? recorder = null) => Store(recorder, PartSize);

    private static ObjectDigest Digest(UploadResult up) => new(up.Length, up.PartSize, up.Blake3, up.Crc32C);
}
