using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Amazon.S3.Model;
using TierFs.Common;
using TierFs.Remote.Transfer;

namespace TierFs.Remote;

// Reads for what comes after whole-file recall: ranged reads, small objects, manifests, listings with attributes.
internal sealed partial class S3RemoteStore
{
    /// <summary>HEADs in flight while a listing fetches attributes.</summary>
    private const int ListHeadsInFlight = 8;

    public async Task ReadRangeAsync(string key, long offset, long length, RangeSink sink, CancellationToken ct)
    {
        RemoteKey.Validate(key);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length == 0) return;
        var what = $"read bytes {offset}..{offset + length} of";
        long done = 0;
        ExceptionDispatchInfo? sinkFailed = null;
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(FileRanges.ChunkSize, length));
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await Call(what, key, async d =>
                    {
                        using var response = await _s3.GetObjectAsync(new GetObjectRequest
                        {
                            BucketName = _options.Bucket,
                            Key = _prefix + key,
                            ByteRange = new ByteRange(offset + done, offset + length - 1),
                        }, d.Token);
                        if (response.ContentLength != length - done)
                            throw new RemoteDataException($"{Where(what, key)}: asked for {length - done} bytes at {offset + done}, the server sends {response.ContentLength} (the object is shorter?)");
                        await using var body = response.ResponseStream;
                        while (done < length)
                        {
                            var n = await body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - done)), d.Token);
                            if (n == 0) throw new IOException($"the response ended after {done} of {length} bytes");
                            d.Touch();
                            // The sink's own failure (a local write) is not the remote's: it must not be taken for a broken connection.
                            try { await sink(buffer.AsMemory(0, n), ct); }
                            catch (Exception e) when (e is not OperationCanceledException)
                            {
                                sinkFailed = ExceptionDispatchInfo.Capture(e);
                                return false;
                            }
                            done += n;
                        }
                        return true;
                    }, ct);
                    sinkFailed?.Throw();
                    return;
                }
                catch (RemoteUnavailableException e) when (attempt < PartAttempts && e.InnerException is IOException or HttpRequestException)
                {
                    Log.Warn(LogSource, $"{e.Message}; resuming at byte {offset + done}");
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public Task<byte[]?> GetSmallAsync(string key, int maxBytes, CancellationToken ct)
    {
        RemoteKey.Validate(key);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        return GetSmallCoreAsync(key, maxBytes, ct);
    }

    public async Task<PartManifest?> ReadManifestAsync(string key, CancellationToken ct)
    {
        RemoteKey.Validate(key);
        var bytes = await GetSmallCoreAsync(PartManifest.KeyFor(key), PartManifest.MaxBytes, ct);
        return bytes is null ? null : PartManifest.Parse(bytes, Where("part manifest of", key));
    }

    public async IAsyncEnumerable<RemoteObjectInfo> ListAsync(string keyPrefix, bool withAttributes, [EnumeratorCancellation] CancellationToken ct)
    {
        RemoteKey.ValidateListPrefix(keyPrefix);
        if (!withAttributes)
        {
            await foreach (var o in ListPlainAsync(keyPrefix, ct)) yield return o;
            yield break;
        }
        // A window of HEADs ahead of the consumer, answered in listing order.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var window = new Queue<Task<RemoteObjectInfo?>>();
        try
        {
            await foreach (var o in ListPlainAsync(keyPrefix, ct))
            {
                window.Enqueue(HeadCoreAsync(o.Key, stop.Token));
                if (window.Count >= ListHeadsInFlight && await window.Dequeue() is { } info) yield return info;
            }
            while (window.Count > 0)
                if (await window.Dequeue() is { } info) yield return info;
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll((IEnumerable<Task>)window).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public async IAsyncEnumerable<ListedObject> ListWithManifestsAsync(string keyPrefix, [EnumeratorCancellation] CancellationToken ct)
    {
        RemoteKey.ValidateListPrefix(keyPrefix);
        // A manifest's key has a segment of its own: one listing from the prefix's directory, each
        // object and manifest then taken by its object's key.
        await foreach (var (key, o) in ListKeysAsync(keyPrefix[..(keyPrefix.LastIndexOf('/') + 1)], ct))
        {
            if (PartManifest.DataKeyOf(key) is { } data)
            {
                if (!RemoteKey.IsReserved(data) && data.StartsWith(keyPrefix, StringComparison.Ordinal))
                    yield return new ListedObject(Listed(data, o), true);
            }
            else if (key.StartsWith(keyPrefix, StringComparison.Ordinal) && key.Length > 0 && !RemoteKey.IsReserved(key))
                yield return new ListedObject(Listed(key, o), false);
        }
    }

    /// <summary>The objects under the prefix, the store's own keys (manifests among them) left out.</summary>
    private async IAsyncEnumerable<RemoteObjectInfo> ListPlainAsync(string keyPrefix, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var (key, o) in ListKeysAsync(keyPrefix, ct))
            if (key.Length > 0 && !RemoteKey.IsReserved(key)) yield return Listed(key, o);
    }

    /// <summary>Every object under the prefix, page by page, with its key below the store's prefix.</summary>
    private async IAsyncEnumerable<(string Key, S3Object Object)> ListKeysAsync(string keyPrefix, [EnumeratorCancellation] CancellationToken ct)
    {
        string? continuation = null;
        do
        {
            var page = await Call("list", keyPrefix, d => _s3.ListObjectsV2Async(new ListObjectsV2Request
            {
                BucketName = _options.Bucket,
                Prefix = _prefix + keyPrefix,
                ContinuationToken = continuation,
            }, d.Token), ct);
            foreach (var o in page.S3Objects ?? [])
                if (o.Key.StartsWith(_prefix, StringComparison.Ordinal)) yield return (o.Key[_prefix.Length..], o);
            continuation = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (continuation is not null);
    }

    private static RemoteObjectInfo Listed(string key, S3Object o) =>
        new(key, o.Size ?? 0, ObjectAttributes.None, Unquote(o.ETag), ToOffset(o.LastModified), null);

    /// <summary>One GET of a whole small object (keys of the store's own too, such as manifests); null when missing.</summary>
    private async Task<byte[]?> GetSmallCoreAsync(string key, int maxBytes, CancellationToken ct)
    {
        try
        {
            return await Call("get", key, async d =>
            {
                using var response = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = _options.Bucket, Key = _prefix + key }, d.Token);
                if (response.ContentLength > maxBytes)
                    throw new RemoteDataException($"{Where("get", key)}: the object has {response.ContentLength} bytes, more than the {maxBytes} of a small object");
                var bytes = new byte[response.ContentLength];
                await using var body = response.ResponseStream;
                for (var done = 0; done < bytes.Length;)
                {
                    var n = await body.ReadAsync(bytes.AsMemory(done), d.Token);
                    if (n == 0) throw new IOException($"the response ended after {done} of {bytes.Length} bytes");
                    d.Touch();
                    done += n;
                }
                return bytes;
            }, ct);
        }
        catch (RemoteObjectMissingException)
        {
            return null;
        }
    }
}
