using System.Buffers;
using System.Globalization;
using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Win32.SafeHandles;
using TierFs.Common;
using TierFs.Remote.Transfer;

namespace TierFs.Remote;

internal sealed partial class S3RemoteStore
{
    /// <summary>Attempts of one ranged GET whose body broke off (the SDK retries failed requests itself).</summary>
    private const int PartAttempts = 2;

    public async Task<DownloadResult> DownloadAsync(string key, SafeFileHandle target, long expectedLength, ChecksumKind checksum,
        IProgress<long>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedLength);
        RemoteKey.Validate(key);
        var counter = new ProgressCounter(progress);
        // An object no larger than one of this store's parts (every small file's) comes in one GET and
        // no HEAD: the GET's response says what the HEAD would (length, part size), and one response
        // is one version of the object. A recall storm of small stubs costs the server half the requests.
        if (expectedLength <= _options.PartSize)
            return await DownloadInOneAsync(key, target, expectedLength, checksum, counter, ct);

        var head = await HeadAsync(key, ct)
            ?? throw new RemoteObjectMissingException($"{Where("download", key)}: no such object");
        CheckLength(key, head.Length, expectedLength);
        var plan = PlanFor(key, head.Length, head.PartSize);
        var digests = new PartDigests(plan.Count);

        if (plan.Length == 0)
            digests.Set(0, PartDigest.Of([]));
        else
            await PartRunner.RunAsync(plan.Count, _options.Concurrency,
                async (i, token) => digests.Set(i, await DownloadPartAsync(key, head.ETag, plan, i, target, checksum, counter, token)), ct);

        var result = digests.Downloaded(checksum, plan.Length, plan.PartSize);
        Log.Debug(LogSource, $"{Description}: downloaded '{key}', {plan.Length} bytes in {plan.Count} part(s), checksum {result.Checksum}");
        return result;
    }

    /// <summary>The object's whole length, from a ranged response's Content-Range ("bytes 0-99/1000"), else its body's.</summary>
    private static long TotalLength(GetObjectResponse response)
    {
        var range = response.ContentRange;
        var slash = range?.LastIndexOf('/') ?? -1;
        return slash >= 0 && long.TryParse(range.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var total)
            ? total
            : response.ContentLength;
    }

    private void CheckLength(string key, long length, long expectedLength)
    {
        if (length != expectedLength)
            throw new RemoteDataException($"{Where("download", key)}: the object has {length} bytes, expected {expectedLength}");
    }

    /// <summary>The cut the object was uploaded with (<paramref name="storedPartSize"/>), so that the checksums compare; the configured one for foreign objects.</summary>
    private PartPlan PlanFor(string key, long length, long? storedPartSize)
    {
        var partSize = storedPartSize ?? PartPlan.ChoosePartSize(length, _options.PartSize);
        if (partSize > RemoteStoreOptions.MaxPartSize || PartPlan.ChoosePartSize(length, partSize) != partSize)
            throw new RemoteDataException($"{Where("download", key)}: the object's {ObjectAttributes.PartSizeKey} ({partSize}) does not fit its {length} bytes");
        return new PartPlan(length, partSize);
    }

    /// <summary>
    /// The whole object in one GET, cut into the parts it was uploaded with as the body arrives (one,
    /// unless it was archived with a smaller part size), each hashed and its writeback started. Its
    /// length is checked before a byte of the body is read, so a replaced larger object is not
    /// fetched. A body that breaks off is fetched again once, whole; progress counts each byte once.
    /// </summary>
    private async Task<DownloadResult> DownloadInOneAsync(string key, SafeFileHandle target, long expectedLength, ChecksumKind checksum,
        ProgressCounter counter, CancellationToken ct)
    {
        var received = new Received(counter, 0);
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(expectedLength, 1, FileRanges.ChunkSize));
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return await Call("download", key, async d =>
                    {
                        // Ranged, also for the whole object: the SDK would hash an unranged GET's body with
                        // its own managed MD5 (the ETag check), which cost more CPU than the rest of a small
                        // recall; the BLAKE3 digest the caller compares is the check that counts.
                        using var response = await _s3.GetObjectAsync(new GetObjectRequest
                        {
                            BucketName = _options.Bucket,
                            Key = _prefix + key,
                            ByteRange = expectedLength > 0 ? new ByteRange(0, expectedLength - 1) : null,
                        }, d.Token);
                        CheckLength(key, TotalLength(response), expectedLength);
                        CheckLength(key, response.ContentLength, expectedLength);
                        var plan = PlanFor(key, expectedLength, ObjectAttributes.Split(Stored(response.Metadata)).PartSize);
                        var digests = new PartDigests(plan.Count);
                        await using var body = response.ResponseStream;
                        for (var i = 0; i < plan.Count; i++)
                        {
                            var (offset, length) = (plan.OffsetOf(i), plan.LengthOf(i));
                            using var hash = PartHash.For(checksum);
                            await ReceiveAsync(body, buffer, target, offset, length, hash, d, received, ct);
                            digests.Set(i, hash.Finish());
                            Writeback.Start(target, offset, length);
                        }
                        return digests.Downloaded(checksum, plan.Length, plan.PartSize);
                    }, ct);
                }
                catch (RemoteUnavailableException e) when (attempt < PartAttempts && e.InnerException is IOException or HttpRequestException)
                {
                    Log.Warn(LogSource, $"{e.Message}; fetching the object again");
                }
                catch (RemoteDataException e) when (e.InnerException is AmazonS3Exception { StatusCode: HttpStatusCode.RequestedRangeNotSatisfiable })
                {
                    // Bytes from 0 are unsatisfiable only in an empty object.
                    throw new RemoteDataException($"{Where("download", key)}: the object has 0 bytes, expected {expectedLength}", e);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// One ranged GET streamed into the target at the part's offset, hashed on the way, then its
    /// writeback started. If-Match on
    /// the ETag seen by HEAD: an object replaced meanwhile fails instead of mixing two versions.
    /// A body that breaks off is fetched again once; progress counts each byte once.
    /// </summary>
    private async Task<PartDigest> DownloadPartAsync(string key, string? etag, PartPlan plan, int index,
        SafeFileHandle target, ChecksumKind checksum, ProgressCounter counter, CancellationToken ct)
    {
        var offset = plan.OffsetOf(index);
        var length = plan.LengthOf(index);
        var what = $"download part {index + 1}/{plan.Count} of";
        var received = new Received(counter, offset);
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(FileRanges.ChunkSize, length));
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    var digest = await Call(what, key, async d =>
                    {
                        using var response = await _s3.GetObjectAsync(new GetObjectRequest
                        {
                            BucketName = _options.Bucket,
                            Key = _prefix + key,
                            ByteRange = new ByteRange(offset, offset + length - 1),
                            EtagToMatch = etag is null ? null : $"\"{etag}\"",
                        }, d.Token);
                        if (response.ContentLength != length)
                            throw new RemoteDataException($"{Where(what, key)}: asked for {length} bytes at {offset}, the server sends {response.ContentLength}");
                        using var hash = PartHash.For(checksum);
                        await using var body = response.ResponseStream;
                        await ReceiveAsync(body, buffer, target, offset, length, hash, d, received, ct);
                        return hash.Finish();
                    }, ct);
                    Writeback.Start(target, offset, length);
                    return digest;
                }
                catch (RemoteUnavailableException e) when (attempt < PartAttempts && e.InnerException is IOException or HttpRequestException)
                {
                    Log.Warn(LogSource, $"{e.Message}; fetching the part again");
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Bytes [<paramref name="offset"/>, offset + <paramref name="length"/>) of the target from a
    /// response body: each chunk hashed, written at its place, and counted once in the progress.
    /// </summary>
    private static async Task ReceiveAsync(Stream body, byte[] buffer, SafeFileHandle target, long offset, long length,
        PartHash hash, IdleDeadline d, Received received, CancellationToken ct)
    {
        for (long done = 0; done < length;)
        {
            var n = await body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - done)), d.Token);
            if (n == 0) throw new IOException($"the response ended after {done} of {length} bytes");
            d.Touch();
            hash.Append(buffer.AsSpan(0, n));
            await RandomAccess.WriteAsync(target, buffer.AsMemory(0, n), offset + done, ct);
            done += n;
            received.Reached(offset + done);
        }
    }

    /// <summary>How far into the target a transfer has written (from <paramref name="start"/>): a byte fetched again after a broken body is counted once.</summary>
    private sealed class Received(ProgressCounter counter, long start)
    {
        private long _at = start;

        public void Reached(long position)
        {
            if (position <= _at) return;
            counter.Add(position - _at);
            _at = position;
        }
    }
}
