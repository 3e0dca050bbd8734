using Microsoft.Win32.SafeHandles;
using TierFs.Remote;

namespace TierFs.Host.Adapters;

/// <summary>
/// The mount's remote store, replaceable by `tierfs reload` (a new endpoint, region, part size,
/// concurrency or request timeout: a new client, checked before it takes over). A call in flight
/// finishes on the store it started on; stores replaced stay open until the mount ends, so none
/// is disposed under a transfer. The identity (type, bucket or path, prefix) never changes here:
/// the reload refuses that.
/// </summary>
public sealed class ReloadableRemote(IRemoteStore initial) : IRemoteStore
{
    private readonly Lock _gate = new();
    private readonly List<IRemoteStore> _retired = [];
    private volatile IRemoteStore _current = initial;

    public IRemoteStore Current => _current;

    /// <summary>Makes <paramref name="store"/> the one new calls use; the old one is kept until disposal.</summary>
    public void Replace(IRemoteStore store)
    {
        lock (_gate)
        {
            _retired.Add(_current);
            _current = store;
        }
    }

    public string Description => _current.Description;

    /// <summary>A reload never changes it (a change of the remote tier's identity is refused).</summary>
    public string Identity => _current.Identity;

    public Task CheckAsync(CancellationToken ct) => _current.CheckAsync(ct);

    public Task<UploadResult> UploadAsync(string key, SafeFileHandle source, long length, IReadOnlyDictionary<string, string> attributes,
        IProgress<long>? progress, CancellationToken ct) =>
        _current.UploadAsync(key, source, length, attributes, progress, ct);

    public Task<DownloadResult> DownloadAsync(string key, SafeFileHandle target, long expectedLength, ChecksumKind checksum,
        IProgress<long>? progress, CancellationToken ct) =>
        _current.DownloadAsync(key, target, expectedLength, checksum, progress, ct);

    public Task<RemoteObjectInfo?> HeadAsync(string key, CancellationToken ct) => _current.HeadAsync(key, ct);

    public Task PutRecordAsync(string key, ReadOnlyMemory<byte> body, IReadOnlyDictionary<string, string> attributes, CancellationToken ct) =>
        _current.PutRecordAsync(key, body, attributes, ct);

    public Task DeleteAsync(string key, CancellationToken ct) => _current.DeleteAsync(key, ct);

    public IAsyncEnumerable<RemoteObjectInfo> ListAsync(string keyPrefix, bool withAttributes, CancellationToken ct) =>
        _current.ListAsync(keyPrefix, withAttributes, ct);

    public IAsyncEnumerable<ListedObject> ListWithManifestsAsync(string keyPrefix, CancellationToken ct) => _current.ListWithManifestsAsync(keyPrefix, ct);

    public Task ReadRangeAsync(string key, long offset, long length, RangeSink sink, CancellationToken ct) =>
        _current.ReadRangeAsync(key, offset, length, sink, ct);

    public Task<byte[]?> GetSmallAsync(string key, int maxBytes, CancellationToken ct) => _current.GetSmallAsync(key, maxBytes, ct);

    public Task<PartManifest?> ReadManifestAsync(string key, CancellationToken ct) => _current.ReadManifestAsync(key, ct);

    public async ValueTask DisposeAsync()
    {
        IRemoteStore[] all;
        lock (_gate) all = [.. _retired, _current];
        foreach (var store in all) await store.DisposeAsync().ConfigureAwait(false);
    }
}
