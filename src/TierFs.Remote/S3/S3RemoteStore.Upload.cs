using Amazon.S3.Model;
using Microsoft.Win32.SafeHandles;
using TierFs.Common;
using TierFs.Remote.Transfer;

namespace TierFs.Remote;

internal sealed partial class S3RemoteStore
{
    /// <summary>Parts buffered at once across one upload's workers stay under this.</summary>
    private const long MaxBufferedBytes = 256 * PartPlan.MiB;

    public async Task<UploadResult> UploadAsync(string key, SafeFileHandle source, long length,
        IReadOnlyDictionary<string, string> attributes, IProgress<long>? progress, CancellationToken ct)
    {
        RemoteKey.Validate(key);
        ObjectAttributes.Validate(attributes);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var plan = PartPlan.For(length, _options.PartSize);
        if (plan.PartSize > RemoteStoreOptions.MaxPartSize)
            throw new ArgumentOutOfRangeException(nameof(length), $"{length} bytes would need parts over {RemoteStoreOptions.MaxPartSize} bytes");
        var metadata = ObjectAttributes.WithPartSize(attributes, plan.PartSize);
        var counter = new ProgressCounter(progress);

        var result = plan.Count == 1
            ? await UploadSingleAsync(key, source, plan, metadata, counter, ct)
            : await UploadMultipartAsync(key, source, plan, metadata, counter, ct);
        Log.Debug(LogSource, $"{Description}: uploaded '{key}', {length} bytes in {plan.Count} part(s), checksum {result.Checksum}");
        return result;
    }

    /// <summary>A file of one part: a single PutObject with Content-MD5.</summary>
    private async Task<UploadResult> UploadSingleAsync(string key, SafeFileHandle source, PartPlan plan,
        Dictionary<string, string> metadata, ProgressCounter counter, CancellationToken ct)
    {
        var length = (int)plan.Length;
        using var lease = _partBuffers.Rent(length);
        var buffer = lease.Array;
        await FileRanges.ReadExactlyAsync(source, buffer.AsMemory(0, length), 0, ct);
        var digest = PartDigest.Of(buffer.AsSpan(0, length));
        var response = await PutSmallAsync(key, buffer, length, digest.Md5!, metadata, ct);
        counter.Add(length);
        var digests = new PartDigests(1);
        digests.Set(0, digest);
        return digests.Uploaded(plan.PartSize, Unquote(response.ETag), plan.Length);
    }

    /// <summary>
    /// CreateMultipartUpload (with the attributes), the parts in parallel each with Content-MD5, then
    /// Complete. Any failure or cancellation aborts the upload so no parts are left billed.
    /// Each part is read once into a buffer so the bytes hashed are the bytes sent, even if the file
    /// changes meanwhile (the caller notices that by other means).
    /// </summary>
    private async Task<UploadResult> UploadMultipartAsync(string key, SafeFileHandle source, PartPlan plan,
        Dictionary<string, string> metadata, ProgressCounter counter, CancellationToken ct)
    {
        var created = await Call("create multipart upload", key, d =>
        {
            var request = new InitiateMultipartUploadRequest
            {
                BucketName = _options.Bucket,
                Key = _prefix + key,
                ContentType = "application/octet-stream",
            };
            foreach (var (k, v) in metadata) request.Metadata[k] = v;
            return _s3.InitiateMultipartUploadAsync(request, d.Token);
        }, ct);
        var uploadId = created.UploadId;
        var manifestStored = false;
        try
        {
            var digests = new PartDigests(plan.Count);
            var etags = new string[plan.Count];
            await PartRunner.RunAsync(plan.Count, UploadConcurrency(plan.PartSize), async (i, token) =>
            {
                var length = (int)plan.LengthOf(i);
                using var lease = _partBuffers.Rent(length);
                var buffer = lease.Array;
                await FileRanges.ReadExactlyAsync(source, buffer.AsMemory(0, length), plan.OffsetOf(i), token);
                var digest = PartDigest.Of(buffer.AsSpan(0, length), lead: PartDigest.HasLead(plan, i));
                digests.Set(i, digest);
                var response = await Call($"upload part {i + 1}/{plan.Count} of", key, d => _s3.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = _options.Bucket,
                    Key = _prefix + key,
                    UploadId = uploadId,
                    PartNumber = i + 1,
                    PartSize = length,
                    InputStream = new TouchingReadStream(buffer, length, d.Touch),
                    MD5Digest = Convert.ToBase64String(digest.Md5!),
                    UseChunkEncoding = false,
                }, d.Token), token);
                etags[i] = response.ETag;
                counter.Add(length);
            }, ct);

            // The manifest is in place before the object appears: a reader never finds the object without it.
            await PutSmallAsync(PartManifest.KeyFor(key), PartManifest.FromDigests(plan, digests.Parts).ToBytes(), ObjectAttributes.None, ct);
            manifestStored = true;
            var completed = await Call("complete multipart upload", key, d => _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _options.Bucket,
                Key = _prefix + key,
                UploadId = uploadId,
                PartETags = [.. etags.Select((etag, i) => new PartETag(i + 1, etag))],
            }, d.Token), ct, CompletionIdle(plan.Length));
            return digests.Uploaded(plan.PartSize, Unquote(completed.ETag), plan.Length);
        }
        catch
        {
            await AbortQuietlyAsync(key, uploadId);
            if (manifestStored) await DeleteQuietlyAsync(PartManifest.KeyFor(key));
            throw;
        }
    }

    /// <summary>Best effort, bounded by the request timeout, even when the caller has cancelled.</summary>
    private async Task DeleteQuietlyAsync(string key)
    {
        try
        {
            await DeleteCoreAsync(key, CancellationToken.None);
        }
        catch (Exception e)
        {
            Log.Warn(LogSource, $"{Description}: could not delete '{key}' of a failed upload: {e.Message}");
        }
    }

    /// <summary>Parts in flight in one upload: the configured concurrency, fewer when parts are huge.</summary>
    /// <summary>
    /// How long a completion may go without an answer: S3 joins the parts before it answers, which
    /// "could take several minutes" for a large object (AWS sends whitespace meanwhile, which the idle
    /// deadline cannot see), and a server joining them on a busy disk is slower still. So the request
    /// timeout plus a second per 16 MiB of the object, at most 15 minutes more.
    /// </summary>
    internal TimeSpan CompletionIdle(long length) =>
        _options.RequestTimeout + TimeSpan.FromSeconds(Math.Min(length / (16 * PartPlan.MiB), 15 * 60));

    private int UploadConcurrency(long partSize) => (int)Math.Clamp(MaxBufferedBytes / partSize, 1, _options.Concurrency);

    /// <summary>Best effort, bounded by the request timeout, even when the caller has cancelled.</summary>
    private async Task AbortQuietlyAsync(string key, string uploadId)
    {
        try
        {
            await Call("abort multipart upload", key, d => _s3.AbortMultipartUploadAsync(new AbortMultipartUploadRequest
            {
                BucketName = _options.Bucket,
                Key = _prefix + key,
                UploadId = uploadId,
            }, d.Token), CancellationToken.None);
        }
        catch (Exception e)
        {
            Log.Warn(LogSource, $"{Description}: could not abort multipart upload {uploadId} of '{key}' (a bucket lifecycle rule should clean it): {e.Message}");
        }
    }
}
