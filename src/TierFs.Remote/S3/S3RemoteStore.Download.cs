using System.Buffers;
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
        var head = await HeadAsync(key, ct)
            ?? throw new RemoteObjectMissingException($"{Where("download", key)}: no such object");
        if (head.Length != expectedLength)
            throw new RemoteDataException($"{Where("download", key)}: the object has {head.Length} bytes, expected {expectedLength}");
        var plan = PlanFor(key, head);
        var counter = new ProgressCounter(progress);
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

    /// <summary>The cut the object was uploaded with, so that the checksums compare; the configured one for foreign objects.</summary>
    private PartPlan PlanFor(string key, RemoteObjectInfo head)
    {
        var partSize = head.PartSize ?? PartPlan.ChoosePartSize(head.Length, _options.PartSize);
        if (partSize > RemoteStoreOptions.MaxPartSize || PartPlan.ChoosePartSize(head.Length, partSize) != partSize)
            throw new RemoteDataException($"{Where("download", key)}: the object's {ObjectAttributes.PartSizeKey} ({partSize}) does not fit its {head.Length} bytes");
        return new PartPlan(head.Length, partSize);
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
        long reported = 0;
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
                        long done = 0;
                        while (done < length)
                        {
                            var n = await body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - done)), d.Token);
                            if (n == 0) throw new IOException($"the response ended after {done} of {length} bytes");
                            d.Touch();
                            hash.Append(buffer.AsSpan(0, n));
                            await RandomAccess.WriteAsync(target, buffer.AsMemory(0, n), offset + done, ct);
                            done += n;
                            if (done > reported)
                            {
                                counter.Add(done - reported);
                                reported = done;
                            }
                        }
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
}
