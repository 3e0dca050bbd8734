using TierFs.IntegrationTests.Harness;
using TierFs.Remote;
using Xunit.Abstractions;

namespace TierFs.IntegrationTests.Remote;

/// <summary>What the S3 store's test classes share: one s3rver per class, a prefix and a temp directory per test, stores and transfers.</summary>
public abstract class S3StoreTestBase : IClassFixture<S3ServerFixture>, IDisposable
{
    protected readonly S3Server _server;
    protected readonly ITestOutputHelper _output;
    protected readonly string _prefix = "t-" + Guid.NewGuid().ToString("N")[..8];
    protected readonly string _dir = Directory.CreateTempSubdirectory("tierfs-s3-it-").FullName;
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(120));

    protected S3StoreTestBase(S3ServerFixture fixture, ITestOutputHelper output)
    {
        _server = fixture.Server;
        _output = output;
    }

    protected CancellationToken Ct => _timeout.Token;

    /// <summary>The attributes every upload of the class sets.</summary>
    protected abstract IReadOnlyDictionary<string, string> UploadAttributes { get; }

    public void Dispose()
    {
        _timeout.Dispose();
        Directory.Delete(_dir, recursive: true);
        GC.SuppressFinalize(this);
    }

    // These tests are about what the store sends and gets, not about timeouts (S3FaultTests are): a
    // request s3rver leaves without progress for 5 s on a loaded 2-core CI machine is not a failure
    // of theirs (an upload part timed out so once in CI).
    protected IRemoteStore Store(WireRecorder? recorder = null, long partSize = 8 * 1024 * 1024) =>
        RemoteStore.Create(_server.StoreOptions(_prefix, partSize) with
        {
            RequestTimeout = TimeSpan.FromSeconds(30),
            ConfigureClient = recorder is null ? null : c => c.HttpClientFactory = recorder.Factory(),
        });

    protected async Task<UploadResult> Upload(IRemoteStore store, string key, byte[] data, IProgress<long>? progress = null)
    {
        var path = Path.Combine(_dir, "up-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllBytesAsync(path, data, Ct);
        using var handle = File.OpenHandle(path);
        return await store.UploadAsync(key, handle, data.Length, UploadAttributes, progress, Ct);
    }

    protected async Task<List<string>> Keys(IRemoteStore store, string prefix)
    {
        var keys = new List<string>();
        await foreach (var o in store.ListAsync(prefix, withAttributes: false, Ct)) keys.Add(o.Key);
        return keys;
    }
}
