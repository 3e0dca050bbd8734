using System.Diagnostics;
using System.Security.Cryptography;
using TierFs.IntegrationTests.Harness;
using TierFs.Remote;
using Xunit.Abstractions;

namespace TierFs.IntegrationTests.Remote;

/// <summary>The S3 store when the server dies or hangs mid-transfer: a bounded, clear failure, then recovery.</summary>
public sealed class S3FaultTests(ITestOutputHelper output) : IDisposable
{
    private const int MiB = 1024 * 1024;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    private readonly S3Server _server = S3Server.Launch();
    private readonly string _dir = Directory.CreateTempSubdirectory("tierfs-s3-fault-").FullName;
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));

    private CancellationToken Ct => _timeout.Token;

    public void Dispose()
    {
        _server.Dispose();
        _timeout.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task A_server_killed_mid_download_fails_it_in_bounded_time_and_a_restart_recovers()
    {
        await using var store = RemoteStore.Create(_server.StoreOptions("fault", partSize: 5 * MiB) with { Concurrency = 1 });
        var data = RandomNumberGenerator.GetBytes(30 * MiB);
        var up = await Upload(store, "f", data);

        var target = Path.Combine(_dir, "target");
        var stopped = 0;
        var kill = new SyncProgress(_ =>
        {
            if (Interlocked.Exchange(ref stopped, 1) == 0) _server.Stop();
        });
        var sw = Stopwatch.StartNew();
        using (var handle = File.OpenHandle(target, FileMode.CreateNew, FileAccess.ReadWrite))
        {
            var e = await Assert.ThrowsAsync<RemoteUnavailableException>(() => store.DownloadAsync("f", handle, data.Length, ChecksumKind.CompositeBlake3, kill, Ct));
            output.WriteLine(e.Message);
            Assert.Contains(_server.Endpoint, e.Message);
        }
        Assert.True(sw.Elapsed < Bound, $"the failure took {sw.Elapsed}");
        Assert.True(File.Exists(target), "the partial target is the caller's to clean");

        _server.Start();
        var (down, bytes) = await Download(store, "f", data.Length);
        Assert.Equal(up.Checksum, down.Checksum);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(bytes));
    }

    [Fact]
    public async Task A_server_that_hangs_mid_download_fails_it_after_the_request_timeout()
    {
        await using var store = RemoteStore.Create(_server.StoreOptions("hang", partSize: 5 * MiB) with
        {
            Concurrency = 1,
            RequestTimeout = TimeSpan.FromSeconds(3),
        });
        var data = RandomNumberGenerator.GetBytes(30 * MiB);
        var up = await Upload(store, "h", data);

        var paused = 0;
        var pause = new SyncProgress(_ =>
        {
            if (Interlocked.Exchange(ref paused, 1) == 0) _server.Pause();
        });
        var sw = Stopwatch.StartNew();
        try
        {
            using var handle = File.OpenHandle(Path.Combine(_dir, "target"), FileMode.CreateNew, FileAccess.ReadWrite);
            var e = await Assert.ThrowsAsync<RemoteUnavailableException>(() => store.DownloadAsync("h", handle, data.Length, ChecksumKind.CompositeBlake3, pause, Ct));
            output.WriteLine(e.Message);
            Assert.Contains("no answer or no progress for 3 s", e.Message);
            Assert.True(sw.Elapsed < Bound, $"the failure took {sw.Elapsed}");
        }
        finally
        {
            _server.Resume();
        }
        var (down, _) = await Download(store, "h", data.Length);
        Assert.Equal(up.Checksum, down.Checksum);
    }

    [Fact]
    public async Task An_upload_to_a_dead_server_fails_in_bounded_time()
    {
        await using var store = RemoteStore.Create(_server.StoreOptions("dead", partSize: 5 * MiB));
        _server.Stop();
        var sw = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<RemoteUnavailableException>(() => Upload(store, "u", RandomNumberGenerator.GetBytes(12 * MiB)));
        output.WriteLine(e.Message);
        Assert.Contains(_server.Endpoint, e.Message);
        Assert.True(sw.Elapsed < Bound, $"the failure took {sw.Elapsed}");
    }

    private async Task<UploadResult> Upload(IRemoteStore store, string key, byte[] data)
    {
        var path = Path.Combine(_dir, "up-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllBytesAsync(path, data, Ct);
        using var handle = File.OpenHandle(path);
        return await store.UploadAsync(key, handle, data.Length, new Dictionary<string, string>(), null, Ct);
    }

    private async Task<(DownloadResult Result, byte[] Bytes)> Download(IRemoteStore store, string key, long length)
    {
        var path = Path.Combine(_dir, "down-" + Guid.NewGuid().ToString("N"));
        DownloadResult result;
        using (var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite))
            result = await store.DownloadAsync(key, handle, length, ChecksumKind.ChunkedMd5, null, Ct);
        return (result, await File.ReadAllBytesAsync(path, Ct));
    }
}
