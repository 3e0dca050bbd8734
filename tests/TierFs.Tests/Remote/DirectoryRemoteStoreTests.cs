using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using TierFs.Remote;

namespace TierFs.Tests.Remote;

public sealed class DirectoryRemoteStoreTests : IDisposable
{
    private const long PartSize = 64 * 1024;
    private static readonly Dictionary<string, string> Pair = new() { ["ltr_local_to_remote"] = ObjectAttributesTests.PairValue };

    private readonly string _root = Directory.CreateTempSubdirectory("tierfs-remote-").FullName;
    private readonly string _archive;
    private readonly IRemoteStore _store;

    public DirectoryRemoteStoreTests()
    {
        _archive = Path.Combine(_root, "archive");
        Directory.CreateDirectory(_archive);
        _store = RemoteStore.Create(new DirectoryStoreOptions { Path = _archive, Prefix = "tierfs", PartSize = PartSize, Concurrency = 3 });
    }

    public void Dispose()
    {
        _store.DisposeAsync().AsTask().Wait();
        _timeout.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));

    private CancellationToken Ct => _timeout.Token;

    [Fact]
    public async Task Upload_then_download_gives_the_same_bytes_and_checksum()
    {
        var data = RandomBytes(300_001);
        var source = WriteLocal("source", data);
        var progress = new List<long>();
        UploadResult up;
        using (var handle = File.OpenHandle(source))
            up = await _store.UploadAsync("dir/file.dat", handle, data.Length, Pair, new SyncProgress(progress.Add), Ct);

        Assert.Equal(ChunkedChecksum.Compute(data, PartSize), up.Checksum);
        Assert.Equal(CompositeCrc32C.Compute(data, PartSize), up.Crc32C);
        Assert.Equal(CompositeBlake3.Compute(data, PartSize), up.Blake3);
        Assert.EndsWith("-5", up.Checksum);
        Assert.EndsWith("-5", up.Blake3);
        Assert.Equal(5, up.Parts.Count);
        Assert.Equal(CompositeBlake3.Hash(data.AsSpan(4 * (int)PartSize)), up.Parts[4].Blake3);
        Assert.Equal(MD5.HashData(data.AsSpan(0, (int)PartSize)), up.Parts[0].Md5);
        Assert.Equal(PartSize, up.PartSize);
        Assert.Equal(data.Length, up.Length);
        Assert.Equal(data.Length, progress[^1]);
        Assert.True(progress.SequenceEqual(progress.Order()), "progress went backwards");
        Assert.Equal(data, File.ReadAllBytes(Path.Combine(_archive, "tierfs", "dir", "file.dat")));

        var target = Path.Combine(_root, "target");
        DownloadResult down;
        using (var handle = File.OpenHandle(target, FileMode.CreateNew, FileAccess.ReadWrite))
            down = await _store.DownloadAsync("dir/file.dat", handle, data.Length, ChecksumKind.ChunkedMd5, null, Ct);
        Assert.Equal((up.Checksum, up.Crc32C), (down.Checksum, down.Crc32C));
        Assert.Equal(data, File.ReadAllBytes(target));

        File.Delete(target);
        using (var handle = File.OpenHandle(target, FileMode.CreateNew, FileAccess.ReadWrite))
            down = await _store.DownloadAsync("dir/file.dat", handle, data.Length, ChecksumKind.CompositeBlake3, null, Ct);
        Assert.Equal((up.Blake3, ChecksumKind.CompositeBlake3, up.Crc32C), (down.Checksum, down.Kind, down.Crc32C));
        Assert.Equal(up.Parts.Select(p => Convert.ToHexString(p.Blake3!)), down.Parts.Select(p => Convert.ToHexString(p.Blake3!)));
        Assert.All(down.Parts, p => Assert.Null(p.Md5)); // not asked for: not computed
        Assert.Equal(data, File.ReadAllBytes(target));
    }

    [Fact]
    public async Task A_borrowed_raw_descriptor_works_and_stays_open()
    {
        var data = RandomBytes(70_000);
        var source = WriteLocal("source", data);
        using var owner = File.OpenHandle(source);
        using (var borrowed = new SafeFileHandle(owner.DangerousGetHandle(), ownsHandle: false))
            await _store.UploadAsync("raw", borrowed, data.Length, Pair, null, Ct);
        Assert.False(owner.IsInvalid);
        Assert.Equal(data.Length, RandomAccess.GetLength(owner)); // still usable: the store did not close it
    }

    [Fact]
    public async Task Attributes_with_commas_come_back_byte_identical()
    {
        await Upload("k", RandomBytes(10));
        var info = await _store.HeadAsync("k", Ct);
        Assert.NotNull(info);
        Assert.Equal(ObjectAttributesTests.PairValue, info.Attributes["ltr_local_to_remote"]);
        Assert.Single(info.Attributes);
        Assert.Equal(PartSize, info.PartSize);
        Assert.Equal(10, info.Length);
    }

    [Fact]
    public async Task A_corrupted_object_is_caught_by_comparing_checksums()
    {
        var data = RandomBytes(200_000);
        var up = await Upload("victim", data);
        var stored = Path.Combine(_archive, "tierfs", "victim");
        using (var f = File.OpenHandle(stored, FileMode.Open, FileAccess.ReadWrite))
        {
            var one = new byte[1];
            RandomAccess.Read(f, one, 150_000);
            one[0] ^= 0x40;
            RandomAccess.Write(f, one, 150_000);
        }
        var down = await Download("victim", data.Length);
        Assert.NotEqual(up.Checksum, down.Checksum);
    }

    [Fact]
    public async Task A_length_mismatch_is_a_data_error()
    {
        await Upload("short", RandomBytes(1000));
        var e = await Assert.ThrowsAsync<RemoteDataException>(() => Download("short", 1001));
        Assert.Contains("1000 bytes, expected 1001", e.Message);
    }

    [Fact]
    public async Task Missing_objects()
    {
        Assert.Null(await _store.HeadAsync("nothing", Ct));
        await Assert.ThrowsAsync<RemoteObjectMissingException>(() => Download("nothing", 0));
        await _store.DeleteAsync("nothing", Ct);
        await _store.DeleteAsync("no/such/dir", Ct);
    }

    [Fact]
    public async Task Empty_files_round_trip()
    {
        var up = await Upload("empty", []);
        Assert.Equal("59adb24ef3cdbe0297f05b395827453f-1", up.Checksum);
        Assert.Equal(up.Checksum, (await Download("empty", 0)).Checksum);
    }

    [Fact]
    public async Task Overwriting_replaces_data_and_attributes()
    {
        await Upload("k", RandomBytes(100));
        var second = RandomBytes(50);
        using (var handle = File.OpenHandle(WriteLocal("second", second)))
            await _store.UploadAsync("k", handle, second.Length, new Dictionary<string, string> { ["rtl_remote_to_local"] = "x" }, null, Ct);
        var info = await _store.HeadAsync("k", Ct);
        Assert.Equal(50, info!.Length);
        Assert.Equal(["rtl_remote_to_local"], info.Attributes.Keys);
    }

    [Fact]
    public async Task Listing_is_by_prefix_in_key_order_without_sidecars()
    {
        foreach (var key in new[] { "a/b", "a.txt", "a/c/d", "b", "ab", ".dot" })
            await Upload(key, RandomBytes(3));
        await _store.PutRecordAsync("a/record.json", "{}"u8.ToArray(), Pair, Ct);

        Assert.Equal([".dot", "a.txt", "a/b", "a/c/d", "a/record.json", "ab", "b"], await Keys(""));
        Assert.Equal(["a/b", "a/c/d", "a/record.json"], await Keys("a/"));
        Assert.Equal(["a.txt", "a/b", "a/c/d", "a/record.json", "ab"], await Keys("a"));
        Assert.Equal(["a/c/d"], await Keys("a/c"));
        Assert.Empty(await Keys("zz/"));
        var all = new List<RemoteObjectInfo>();
        await foreach (var o in _store.ListAsync("a/", withAttributes: false, Ct)) all.Add(o);
        Assert.All(all, o => Assert.Empty(o.Attributes));
        Assert.Equal(3, all[0].Length);
    }

    [Fact]
    public async Task Manifests_are_listed_apart_by_their_objects_key_also_when_the_object_is_gone()
    {
        await Upload("d/x/1", RandomBytes((int)PartSize * 2 + 5)); // three parts: a manifest
        await Upload("d/x/2", RandomBytes(5)); // one part: none
        Assert.Equal(["d/x/1", "d/x/2"], await Keys("d/"));
        Assert.Equal(["d/x/1"], await ManifestKeys("d/"));

        var data = Path.Combine(_archive, "tierfs", "d", "x", "1");
        Assert.True(File.Exists(data), data);
        File.Delete(data);
        Assert.Equal(["d/x/2"], await Keys("d/"));
        Assert.Equal(["d/x/1"], await ManifestKeys("d/"));
        Assert.Equal(["d/x/1"], await ManifestKeys("d/x/1"));
        Assert.Empty(await ManifestKeys("d/x/2"));
        Assert.Empty(await ManifestKeys("e/"));

        await _store.DeleteAsync("d/x/1", Ct); // the object's deletion takes its manifest
        Assert.Empty(await ManifestKeys("d/"));
    }

    private async Task<List<string>> ManifestKeys(string prefix)
    {
        var keys = new List<string>();
        await foreach (var o in _store.ListWithManifestsAsync(prefix, Ct))
            if (o.Manifest) keys.Add(o.Info.Key);
            else Assert.Contains(o.Info.Key, await Keys(prefix)); // the objects as a plain listing gives them
        return keys;
    }

    [Fact]
    public async Task Delete_removes_the_object_its_sidecar_and_empty_directories()
    {
        await Upload("x/y/z", RandomBytes(3));
        await _store.DeleteAsync("x/y/z", Ct);
        Assert.Null(await _store.HeadAsync("x/y/z", Ct));
        Assert.False(Directory.Exists(Path.Combine(_archive, "tierfs", "x")));
        Assert.Empty(await Keys(""));
    }

    [Fact]
    public async Task Records_keep_their_attributes()
    {
        await _store.PutRecordAsync("meta/f.json", "{\"size\":1}"u8.ToArray(), Pair, Ct);
        var info = await _store.HeadAsync("meta/f.json", Ct);
        Assert.Equal(ObjectAttributesTests.PairValue, info!.Attributes["ltr_local_to_remote"]);
        Assert.Equal("{\"size\":1}", File.ReadAllText(Path.Combine(_archive, "tierfs", "meta", "f.json")));
    }

    [Fact]
    public async Task Check_passes_on_a_directory_and_names_a_missing_one()
    {
        await _store.CheckAsync(Ct);
        Assert.Equal($"directory {_archive}/tierfs", _store.Description);
        await using var missing = RemoteStore.Create(new DirectoryStoreOptions { Path = Path.Combine(_root, "nope") });
        var e = await Assert.ThrowsAsync<RemoteConfigurationException>(() => missing.CheckAsync(Ct));
        Assert.Contains(Path.Combine(_root, "nope"), e.Message);
    }

    [Fact]
    public async Task Nothing_is_left_behind_but_objects_sidecars_and_part_manifests()
    {
        await Upload("a/b", RandomBytes(100_000)); // two parts: a manifest
        await Upload("a/c", RandomBytes(1000)); // one: none
        await _store.CheckAsync(Ct);
        var names = Directory.GetFiles(_archive, "*", SearchOption.AllDirectories).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal([".tierfs-meta.b.json", ".tierfs-meta.c.json", ".tierfs-parts.b", "b", "c"], names);
    }

    [Fact]
    public async Task Bad_keys_and_attributes_are_argument_errors()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Upload("../escape", RandomBytes(1)));
        await Assert.ThrowsAsync<ArgumentException>(() => _store.PutRecordAsync("k", new byte[1], new Dictionary<string, string> { ["K"] = "v" }, Ct));
    }

    [Fact]
    public async Task A_source_shorter_than_announced_fails_and_stores_nothing()
    {
        using var handle = File.OpenHandle(WriteLocal("shrunk", RandomBytes(1000)));
        var e = await Assert.ThrowsAsync<IOException>(() => _store.UploadAsync("shrunk", handle, 2000, Pair, null, Ct));
        Assert.Contains("ended at byte 1000", e.Message);
        Assert.Null(await _store.HeadAsync("shrunk", Ct));
        Assert.Empty(Directory.GetFiles(_archive, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Cancellation_leaves_no_temp_files()
    {
        var data = RandomBytes(1_000_000);
        using var cts = new CancellationTokenSource();
        using var handle = File.OpenHandle(WriteLocal("big", data));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            _store.UploadAsync("big", handle, data.Length, Pair, new SyncProgress(_ => cts.Cancel()), cts.Token));
        Assert.Empty(Directory.GetFiles(_archive, "*", SearchOption.AllDirectories));
    }

    private const UnixFileMode Rwx = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode Rw = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Wide = (UnixFileMode)0x1FF;

    [Fact]
    public async Task Everything_the_store_creates_is_root_only()
    {
        await _store.CheckAsync(Ct);
        await Upload("data/ab/abcdef/1", RandomBytes(200_000));
        await _store.PutRecordAsync("meta/ab/abcdef.json", "{}"u8.ToArray(), Pair, Ct);

        var prefixDir = Path.Combine(_archive, "tierfs");
        var directories = Directory.GetDirectories(prefixDir, "*", SearchOption.AllDirectories).Append(prefixDir).ToList();
        var files = Directory.GetFiles(prefixDir, "*", SearchOption.AllDirectories);
        Assert.Equal(6, directories.Count); // tierfs, data, data/ab, data/ab/abcdef, meta, meta/ab
        Assert.Equal(5, files.Length); // two objects, two sidecars, the part manifest of the 4-part one
        Assert.All(directories, d => Assert.Equal((d, Rwx), (d, File.GetUnixFileMode(d))));
        Assert.All(files, f => Assert.Equal((f, Rw), (f, File.GetUnixFileMode(f))));
    }

    [Fact]
    public void The_default_archive_is_created_root_only()
    {
        var archive = Path.Combine(_root, "state", "archive");
        DefaultArchive.Prepare(archive);
        Assert.Equal(Rwx, File.GetUnixFileMode(archive));
    }

    [Fact]
    public void A_default_archive_an_older_version_left_open_to_all_is_tightened_without_following_links()
    {
        var archive = Path.Combine(_root, "old");
        var objectDir = Path.Combine(archive, "data", "ab", "abcdef");
        Directory.CreateDirectory(objectDir);
        var objectFile = Path.Combine(objectDir, "1");
        File.WriteAllBytes(objectFile, [1, 2, 3]);
        File.WriteAllText(Path.Combine(objectDir, ".tierfs-meta.1.json"), "{}");
        var outside = WriteLocal("not-the-archives", [4]);
        File.SetUnixFileMode(outside, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        File.CreateSymbolicLink(Path.Combine(objectDir, "planted"), outside); // what another user could have put there
        foreach (var d in Directory.GetDirectories(archive, "*", SearchOption.AllDirectories).Append(archive)) File.SetUnixFileMode(d, Wide);
        File.SetUnixFileMode(objectFile, (UnixFileMode)0x1B6); // 0666, as older versions made objects

        DefaultArchive.Prepare(archive);

        Assert.All(Directory.GetDirectories(archive, "*", SearchOption.AllDirectories).Append(archive), d => Assert.Equal((d, Rwx), (d, File.GetUnixFileMode(d))));
        Assert.Equal(Rw, File.GetUnixFileMode(objectFile));
        Assert.Equal(Rw, File.GetUnixFileMode(Path.Combine(objectDir, ".tierfs-meta.1.json")));
        Assert.Equal((UnixFileMode)0x1A4, File.GetUnixFileMode(outside)); // 0644: the link's target is not the archive's
        Assert.Equal([1, 2, 3], File.ReadAllBytes(objectFile));
    }

    private async Task<UploadResult> Upload(string key, byte[] data)
    {
        using var handle = File.OpenHandle(WriteLocal("up-" + Guid.NewGuid().ToString("N"), data));
        return await _store.UploadAsync(key, handle, data.Length, Pair, null, Ct);
    }

    private async Task<DownloadResult> Download(string key, long expectedLength)
    {
        using var handle = File.OpenHandle(Path.Combine(_root, "down-" + Guid.NewGuid().ToString("N")), FileMode.CreateNew, FileAccess.ReadWrite);
        return await _store.DownloadAsync(key, handle, expectedLength, ChecksumKind.ChunkedMd5, null, Ct);
    }

    private async Task<List<string>> Keys(string prefix)
    {
        var keys = new List<string>();
        await foreach (var o in _store.ListAsync(prefix, withAttributes: false, Ct)) keys.Add(o.Key);
        return keys;
    }

    private string WriteLocal(string name, byte[] data)
    {
        var path = Path.Combine(_root, name);
        File.WriteAllBytes(path, data);
        return path;
    }

    private static byte[] RandomBytes(int n) => RandomNumberGenerator.GetBytes(n);

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the pool, out of order).</summary>
    private sealed class SyncProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
