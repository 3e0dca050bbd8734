using System.Diagnostics;
using System.Security.Cryptography;
using Amazon.S3.Model;
using TierFs.IntegrationTests.Harness;
using TierFs.Remote;
using Xunit.Abstractions;

namespace TierFs.IntegrationTests.Remote;

/// <summary>The S3 store against a real s3rver: transfers, the attribute contract, errors.</summary>
public sealed class S3RemoteStoreTests(S3ServerFixture fixture, ITestOutputHelper output) : S3StoreTestBase(fixture, output)
{
    private const int MiB = 1024 * 1024;
    private const string PairValue = "LC_1111,/icfsdefault/namespace/heb_src,LC_222,/icfsdefault/namespace/zz_desc";
    private static readonly Dictionary<string, string> Pair = new() { ["ltr_local_to_remote"] = PairValue };

    protected override IReadOnlyDictionary<string, string> UploadAttributes => Pair;

    [Fact]
    public async Task A_small_file_goes_up_in_one_put_and_comes_back_identical()
    {
        var recorder = new WireRecorder();
        await using var store = Store(recorder);
        var data = RandomNumberGenerator.GetBytes(100_000);

        var up = await Upload(store, "small.dat", data);
        Assert.Equal(ChunkedChecksum.Compute(data, 8 * MiB), up.Checksum);
        Assert.Equal(CompositeCrc32C.Compute(data, 8 * MiB), up.Crc32C);
        Assert.Equal(CompositeBlake3.Compute(data, 8 * MiB), up.Blake3);
        Assert.EndsWith("-1", up.Checksum);
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(data)), up.ETag); // a single PUT's ETag is the plain MD5
        Assert.Single(recorder.Requests, r => r.Method == "PUT");
        Assert.DoesNotContain(recorder.Requests, r => r.PathAndQuery.Contains("uploads", StringComparison.Ordinal));

        var (down, bytes) = await Download(store, "small.dat", data.Length);
        Assert.Equal(up.Checksum, down.Checksum);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(bytes));
    }

    [Fact]
    public async Task An_object_of_one_part_comes_down_in_one_GET_and_no_HEAD()
    {
        // A recall storm of small stubs: each recall used to HEAD the object before its GET.
        var recorder = new WireRecorder();
        await using var store = Store(recorder);
        var data = RandomNumberGenerator.GetBytes(64 * 1024);
        var up = await Upload(store, "d/small", data);
        recorder.Requests.Clear();

        var progress = new List<long>();
        var (down, bytes) = await Download(store, "d/small", data.Length, ChecksumKind.CompositeBlake3, new SyncProgress(progress.Add));

        var request = Assert.Single(recorder.Requests);
        Assert.Equal("GET", request.Method);
        Assert.EndsWith("/d/small", request.PathAndQuery);
        Assert.Equal((up.Blake3, up.Crc32C, 1), (down.Checksum, down.Crc32C, down.Parts.Count));
        Assert.Equal(data, bytes);
        Assert.Equal(data.Length, progress[^1]);
    }

    [Fact]
    public async Task An_object_archived_in_smaller_parts_comes_down_in_one_GET_cut_by_its_own_parts()
    {
        // Archived with 5 MiB parts, recalled by a store configured with 16 MiB: the digest compares
        // only when the download cuts the object as its upload did (the part size stored with it).
        var data = RandomNumberGenerator.GetBytes(12 * MiB + 7);
        UploadResult up;
        await using (var small = Store(partSize: 5 * MiB)) up = await Upload(small, "d/cut", data);
        Assert.EndsWith("-3", up.Blake3);
        var recorder = new WireRecorder();
        await using var store = Store(recorder, partSize: 16 * MiB);

        var (down, bytes) = await Download(store, "d/cut", data.Length, ChecksumKind.CompositeBlake3);

        Assert.Equal((up.Blake3, up.Crc32C, 5 * MiB, 3), (down.Checksum, down.Crc32C, down.PartSize, down.Parts.Count));
        Assert.Equal(up.Parts.Select(p => Convert.ToHexString(p.Blake3!)), down.Parts.Select(p => Convert.ToHexString(p.Blake3!)));
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(bytes));
        Assert.Equal("GET", Assert.Single(recorder.Requests).Method);
    }

    [Fact]
    public async Task An_empty_file_round_trips()
    {
        await using var store = Store();
        var up = await Upload(store, "empty", []);
        Assert.Equal(ChunkedChecksum.Compute([], 8 * MiB), up.Checksum);
        var (down, bytes) = await Download(store, "empty", 0);
        Assert.Equal(up.Checksum, down.Checksum);
        var (sha, _) = await Download(store, "empty", 0, ChecksumKind.CompositeBlake3);
        Assert.Equal((up.Blake3, up.Crc32C), (sha.Checksum, sha.Crc32C));
        Assert.Equal(CompositeBlake3.Compute([], 8 * MiB), up.Blake3);
        Assert.Empty(bytes);
    }

    [Fact]
    public async Task A_40MiB_file_goes_up_in_8MiB_parts_and_comes_back_identical()
    {
        var recorder = new WireRecorder();
        await using var store = Store(recorder);
        var data = RandomNumberGenerator.GetBytes(40 * MiB + 123);
        var progress = new List<long>();

        var up = await Upload(store, "dir/big.dat", data, new SyncProgress(progress.Add));
        Assert.Equal(ChunkedChecksum.Compute(data, 8 * MiB), up.Checksum);
        Assert.Equal(CompositeCrc32C.Compute(data, 8 * MiB), up.Crc32C);
        Assert.Equal(CompositeBlake3.Compute(data, 8 * MiB), up.Blake3);
        Assert.EndsWith("-6", up.Checksum);
        Assert.Equal(8 * MiB, up.PartSize);
        Assert.Equal(data.Length, progress[^1]);
        Assert.Equal(6, recorder.Requests.Count(r => r.Method == "PUT" && r.PathAndQuery.Contains("partNumber=", StringComparison.Ordinal)));

        var info = await store.HeadAsync("dir/big.dat", Ct);
        Assert.Equal(data.Length, info!.Length);
        Assert.Equal(8 * MiB, info.PartSize);

        progress.Clear();
        var (down, bytes) = await Download(store, "dir/big.dat", data.Length, ChecksumKind.CompositeBlake3, new SyncProgress(progress.Add));
        Assert.Equal((up.Blake3, ChecksumKind.CompositeBlake3, up.Crc32C), (down.Checksum, down.Kind, down.Crc32C));
        // The per-part digests stay available (a later per-part check of a ranged read needs them).
        Assert.Equal(6, down.Parts.Count);
        for (var i = 0; i < 6; i++)
        {
            var part = data.AsSpan(i * 8 * MiB, Math.Min(8 * MiB, data.Length - i * 8 * MiB));
            Assert.Equal(CompositeBlake3.Hash(part), down.Parts[i].Blake3);
            Assert.Equal(up.Parts[i].Blake3, down.Parts[i].Blake3);
            Assert.Equal(up.Parts[i].Crc32C, down.Parts[i].Crc32C);
            Assert.Null(down.Parts[i].Md5); // not asked for: not computed
        }
        Assert.Equal(data.Length, progress[^1]);
        Assert.True(progress.SequenceEqual(progress.Order()), "progress went backwards");
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(bytes));
        Assert.True(recorder.Requests.Count(r => r.Method == "GET") >= 6, "expected one ranged GET per part");
    }

    [Fact]
    public async Task Attributes_with_commas_are_user_metadata_set_at_creation_and_come_back_identical()
    {
        var recorder = new WireRecorder();
        await using var store = Store(recorder);
        await Upload(store, "single", RandomNumberGenerator.GetBytes(10));
        await Upload(store, "multi", RandomNumberGenerator.GetBytes(9 * MiB));
        await store.PutRecordAsync("record", "{}"u8.ToArray(), Pair, Ct);

        using var raw = _server.RawClient();
        foreach (var key in new[] { "single", "multi", "record" })
        {
            var info = await store.HeadAsync(key, Ct);
            Assert.Equal(PairValue, info!.Attributes["ltr_local_to_remote"]);
            Assert.Single(info.Attributes);

            // From the outside: a plain SDK HEAD sees x-amz-meta-ltr_local_to_remote ...
            var head = await raw.GetObjectMetadataAsync(_server.Bucket, $"{_prefix}/{key}", Ct);
            Assert.Equal(PairValue, head.Metadata["x-amz-meta-ltr_local_to_remote"]);
            // ... and the server stored it under that header name (s3rver keeps headers in a JSON file).
            var stored = System.Text.Json.JsonDocument.Parse(await File.ReadAllBytesAsync(
                Path.Combine(_server.DataDir, _server.Bucket, _prefix, $"{key}._S3rver_metadata.json"), Ct));
            Assert.Equal(PairValue, stored.RootElement.GetProperty("x-amz-meta-ltr_local_to_remote").GetString());
        }
        // Set at creation: never a copy of the object onto itself, never tagging.
        Assert.DoesNotContain(recorder.Requests, r => r.PathAndQuery.Contains("tagging", StringComparison.Ordinal));
        Assert.DoesNotContain(recorder.Requests, r => r.Method == "PUT" && r.BodyLength == 0);
    }

    [Fact]
    public async Task Every_part_carries_the_Content_MD5_of_the_bytes_sent()
    {
        var recorder = new WireRecorder();
        await using var store = Store(recorder);
        await Upload(store, "md5-multi", RandomNumberGenerator.GetBytes(20 * MiB));
        await Upload(store, "md5-single", RandomNumberGenerator.GetBytes(1000));
        await store.PutRecordAsync("md5-record", "{}"u8.ToArray(), Pair, Ct);

        var puts = recorder.Requests.Where(r => r.Method == "PUT").ToList();
        Assert.Equal(6, puts.Count); // 3 parts, the part manifest of the multi-part object, 1 object, 1 record
        Assert.All(puts, r => Assert.Equal(r.BodyMd5, r.ContentMd5));
    }

    [Fact]
    public async Task A_part_corrupted_in_transit_is_refused_and_the_upload_aborted()
    {
        var recorder = new WireRecorder
        {
            VerifyMd5 = true,
            Corrupt = r => r.RequestUri!.Query.Contains("partNumber=2", StringComparison.Ordinal),
        };
        await using var store = Store(recorder);
        var e = await Assert.ThrowsAsync<RemoteDataException>(() => Upload(store, "corrupt", RandomNumberGenerator.GetBytes(20 * MiB)));
        _output.WriteLine(e.Message);
        Assert.Contains("BadDigest", e.Message);
        Assert.Contains("'corrupt'", e.Message);
        Assert.Contains(recorder.Requests, r => r.Method == "DELETE" && r.PathAndQuery.Contains("uploadId=", StringComparison.Ordinal));
        Assert.DoesNotContain(recorder.Requests, r => r.Method == "POST" && r.PathAndQuery.Contains("uploadId=", StringComparison.Ordinal)); // never completed
        Assert.Null(await store.HeadAsync("corrupt", Ct));
    }

    [Fact]
    public async Task A_missing_object_is_null_on_head_and_a_clear_error_on_download()
    {
        await using var store = Store();
        Assert.Null(await store.HeadAsync("nothing/here", Ct));
        var e = await Assert.ThrowsAsync<RemoteObjectMissingException>(() => Download(store, "nothing/here", 10));
        _output.WriteLine(e.Message);
        Assert.Contains("nothing/here", e.Message);
        await store.DeleteAsync("nothing/here", Ct);
    }

    [Fact]
    public async Task A_length_mismatch_is_a_data_error()
    {
        await using var store = Store();
        await Upload(store, "len", RandomNumberGenerator.GetBytes(1000));
        var e = await Assert.ThrowsAsync<RemoteDataException>(() => Download(store, "len", 999));
        _output.WriteLine(e.Message);
        Assert.Contains("1000 bytes, expected 999", e.Message);
        // The one GET of a small object asks for the expected bytes only: the object's whole length
        // (Content-Range) still decides, for a longer, a shorter and an emptied object alike.
        e = await Assert.ThrowsAsync<RemoteDataException>(() => Download(store, "len", 1001));
        Assert.Contains("1000 bytes, expected 1001", e.Message);
        using var raw = _server.RawClient();
        await raw.PutObjectAsync(new PutObjectRequest { BucketName = _server.Bucket, Key = $"{_prefix}/len", InputStream = new MemoryStream([]), UseChunkEncoding = false }, Ct);
        e = await Assert.ThrowsAsync<RemoteDataException>(() => Download(store, "len", 1000));
        _output.WriteLine(e.Message);
        Assert.Contains("0 bytes, expected 1000", e.Message);
    }

    [Fact]
    public async Task Listing_by_prefix_and_delete()
    {
        await using var store = Store();
        foreach (var key in new[] { "a/1", "a/2", "a.txt", "b/1" })
            await store.PutRecordAsync(key, "x"u8.ToArray(), Pair, Ct);

        // Sorted here: s3rver lists in its own file order; AWS, MinIO and Ceph list in key order.
        Assert.Equal(["a/1", "a/2"], (await Keys(store, "a/")).Order(StringComparer.Ordinal));
        Assert.Equal(["a.txt", "a/1", "a/2", "b/1"], (await Keys(store, "")).Order(StringComparer.Ordinal));
        await foreach (var o in store.ListAsync("b/", withAttributes: false, Ct))
        {
            Assert.Equal(1, o.Length);
            Assert.NotNull(o.ETag);
        }

        await store.DeleteAsync("a/1", Ct);
        await store.DeleteAsync("a/1", Ct); // again: not an error
        Assert.Equal(["a/2"], await Keys(store, "a/"));
        Assert.Null(await store.HeadAsync("a/1", Ct));
    }

    [Fact]
    public async Task Check_passes_and_leaves_nothing_behind()
    {
        await using var store = Store();
        await store.CheckAsync(Ct);
        Assert.Empty(await Keys(store, ""));
        using var raw = _server.RawClient();
        var all = await raw.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _server.Bucket, Prefix = _prefix }, Ct);
        Assert.Empty(all.S3Objects ?? []);
    }

    [Fact]
    public async Task Check_names_the_endpoint_and_bucket_of_a_missing_bucket()
    {
        await using var store = RemoteStore.Create(_server.StoreOptions(_prefix) with { Bucket = "no-such-bucket" });
        var e = await Assert.ThrowsAsync<RemoteConfigurationException>(() => store.CheckAsync(Ct));
        _output.WriteLine(e.Message);
        Assert.Contains(_server.Endpoint, e.Message);
        Assert.Contains("no-such-bucket", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task Check_names_an_unreachable_endpoint_quickly()
    {
        var endpoint = $"http://127.0.0.1:{S3Server.FreePort()}";
        await using var store = RemoteStore.Create(_server.StoreOptions(_prefix) with { Endpoint = endpoint });
        var sw = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<RemoteConfigurationException>(() => store.CheckAsync(Ct));
        _output.WriteLine(e.Message);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(15), $"took {sw.Elapsed}");
        Assert.Contains(endpoint, e.Message);
        Assert.Contains(_server.Bucket, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task Keys_are_under_the_configured_prefix()
    {
        await using var store = Store();
        Assert.Equal($"s3://{_server.Bucket}/{_prefix}/ ({_server.Endpoint})", store.Description);
        await store.PutRecordAsync("k", "x"u8.ToArray(), Pair, Ct);
        using var raw = _server.RawClient();
        var head = await raw.GetObjectMetadataAsync(_server.Bucket, $"{_prefix}/k", Ct);
        Assert.Equal(1, head.ContentLength);
    }

    [Fact]
    public async Task Without_explicit_credentials_the_standard_AWS_chain_is_used()
    {
        // s3rver refuses unknown access keys (InvalidAccessKeyId), so passing proves the env pair was used.
        var before = (Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID"), Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY"));
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", S3Server.AccessKey);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", S3Server.SecretKey);
        try
        {
            await using var store = RemoteStore.Create(_server.StoreOptions(_prefix) with { Credentials = null });
            await store.CheckAsync(Ct);
        }
        finally
        {
            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", before.Item1);
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", before.Item2);
        }
    }

    private async Task<(DownloadResult Result, byte[] Bytes)> Download(IRemoteStore store, string key, long length,
        ChecksumKind kind = ChecksumKind.ChunkedMd5, IProgress<long>? progress = null)
    {
        var path = Path.Combine(_dir, "down-" + Guid.NewGuid().ToString("N"));
        DownloadResult result;
        using (var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite))
            result = await store.DownloadAsync(key, handle, length, kind, progress, Ct);
        return (result, await File.ReadAllBytesAsync(path, Ct));
    }
}

/// <summary>Reports on the calling thread, in order (Progress&lt;T&gt; posts to the thread pool).</summary>
internal sealed class SyncProgress(Action<long> report) : IProgress<long>
{
    public void Report(long value) => report(value);
}
