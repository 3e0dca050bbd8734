using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using TierFs.Common;
using TierFs.Remote.Transfer;

namespace TierFs.Remote;

/// <summary>
/// The remote tier on S3 or any S3-compatible server. Uses only plain object calls (no CopyObject,
/// no tagging), each part with Content-MD5, and nothing specific to one server.
/// Transfers live in the Upload and Download parts of this class.
/// </summary>
internal sealed partial class S3RemoteStore : IRemoteStore
{
    private const string LogSource = "remote";

    private readonly S3StoreOptions _options;
    private readonly IAmazonS3 _s3;
    private readonly string _prefix;
    private readonly PartBuffers _partBuffers;

    public S3RemoteStore(S3StoreOptions options)
    {
        options.Validate();
        _options = options;
        _prefix = RemoteKey.NormalizePrefix(options.Prefix);
        _s3 = S3ClientFactory.Create(options);
        _partBuffers = new PartBuffers(options.PartSize, UploadConcurrency(options.PartSize));
        Description = $"s3://{options.Bucket}/{_prefix} ({options.Endpoint ?? "AWS " + options.Region})";
    }

    public string Description { get; }

    public string Identity => _options.Identity;

    public async Task CheckAsync(CancellationToken ct)
    {
        var probe = $"{RemoteKey.ReservedSegmentPrefix}probe-{Guid.NewGuid():N}";
        try
        {
            await Call("list", "", d => _s3.ListObjectsV2Async(new ListObjectsV2Request
            {
                BucketName = _options.Bucket,
                Prefix = _prefix,
                MaxKeys = 1,
            }, d.Token), ct);
            await PutSmallAsync(probe, "TierFs write probe\n"u8.ToArray(), ObjectAttributes.None, ct);
            await DeleteCoreAsync(probe, ct);
        }
        catch (RemoteException e) when (e is not RemoteConfigurationException)
        {
            throw new RemoteConfigurationException(e.Message, e);
        }
        Log.Info(LogSource, $"{Description}: reachable and writable");
    }

    public Task<RemoteObjectInfo?> HeadAsync(string key, CancellationToken ct)
    {
        RemoteKey.Validate(key);
        return HeadCoreAsync(key, ct);
    }

    /// <summary>HEAD of any listed key (a foreign object's key need not follow TierFs's rules); null when missing.</summary>
    private async Task<RemoteObjectInfo?> HeadCoreAsync(string key, CancellationToken ct)
    {
        try
        {
            var head = await Call("head", key, d => _s3.GetObjectMetadataAsync(new GetObjectMetadataRequest
            {
                BucketName = _options.Bucket,
                Key = _prefix + key,
            }, d.Token), ct);
            var (attributes, partSize) = ObjectAttributes.Split(Stored(head.Metadata));
            return new RemoteObjectInfo(key, head.ContentLength, attributes, Unquote(head.ETag),
                ToOffset(head.LastModified), partSize);
        }
        catch (RemoteObjectMissingException)
        {
            return null;
        }
    }

    public Task PutRecordAsync(string key, ReadOnlyMemory<byte> body, IReadOnlyDictionary<string, string> attributes, CancellationToken ct)
    {
        RemoteKey.Validate(key);
        ObjectAttributes.Validate(attributes);
        if (body.Length > _options.PartSize)
            throw new ArgumentException($"a record is at most one part ({_options.PartSize} bytes), not {body.Length}", nameof(body));
        return PutSmallAsync(key, body.ToArray(), attributes, ct);
    }

    public async Task DeleteAsync(string key, CancellationToken ct)
    {
        RemoteKey.Validate(key);
        // The data first (it is what frees space), then its manifest; a failure in between is
        // retried whole by the caller (a delete of what is gone already succeeds).
        await DeleteCoreAsync(key, ct);
        await DeleteCoreAsync(PartManifest.KeyFor(key), ct);
    }

    public ValueTask DisposeAsync()
    {
        _s3.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>One PutObject of a body in memory, its MD5 verified by the server.</summary>
    private Task<PutObjectResponse> PutSmallAsync(string key, byte[] body, IReadOnlyDictionary<string, string> metadata, CancellationToken ct) =>
        PutSmallAsync(key, body, body.Length, MD5.HashData(body), metadata, ct);

    /// <summary>One PutObject of the first <paramref name="length"/> bytes of a buffer whose MD5 is known.</summary>
    private async Task<PutObjectResponse> PutSmallAsync(string key, byte[] body, int length, byte[] md5,
        IReadOnlyDictionary<string, string> metadata, CancellationToken ct)
    {
        return await Call("put", key, d =>
        {
            var request = new PutObjectRequest
            {
                BucketName = _options.Bucket,
                Key = _prefix + key,
                InputStream = new TouchingReadStream(body, length, d.Touch),
                MD5Digest = Convert.ToBase64String(md5),
                ContentType = "application/octet-stream",
                UseChunkEncoding = false,
                AutoCloseStream = true,
            };
            foreach (var (k, v) in metadata) request.Metadata[k] = v;
            return _s3.PutObjectAsync(request, d.Token);
        }, ct);
    }

    private async Task DeleteCoreAsync(string key, CancellationToken ct)
    {
        try
        {
            await Call("delete", key, d => _s3.DeleteObjectAsync(new DeleteObjectRequest
            {
                BucketName = _options.Bucket,
                Key = _prefix + key,
            }, d.Token), ct);
        }
        catch (RemoteObjectMissingException)
        {
            // S3 answers 204 for a missing key; some servers say 404. Either way it is gone.
        }
    }

    /// <summary>
    /// Runs one SDK call under an idle deadline of RequestTimeout and translates its failures.
    /// <paramref name="call"/> may touch the deadline as bytes move.
    /// </summary>
    private async Task<T> Call<T>(string operation, string key, Func<IdleDeadline, Task<T>> call, CancellationToken ct, TimeSpan? idle = null)
    {
        using var deadline = new IdleDeadline(idle ?? _options.RequestTimeout, ct);
        try
        {
            return await call(deadline);
        }
        catch (Exception e) when (S3Errors.Translate(e, Where(operation, key), deadline) is { } translated)
        {
            throw translated;
        }
    }

    private string Where(string operation, string key) => $"{Description}: {operation} '{key}'";

    /// <summary>An object's user metadata as it was stored (the SDK's keys carry the x-amz-meta- prefix).</summary>
    private static IEnumerable<KeyValuePair<string, string>> Stored(MetadataCollection metadata) =>
        metadata.Keys.Select(k => KeyValuePair.Create(StripMetaPrefix(k), metadata[k]));

    private static string StripMetaPrefix(string key) =>
        key.StartsWith("x-amz-meta-", StringComparison.OrdinalIgnoreCase) ? key["x-amz-meta-".Length..] : key;

    private static string? Unquote(string? etag) => etag?.Trim('"');

    private static DateTimeOffset ToOffset(DateTime? time) =>
        time is { } t ? new DateTimeOffset(t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime()) : DateTimeOffset.MinValue;
}
