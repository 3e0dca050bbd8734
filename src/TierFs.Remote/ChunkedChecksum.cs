using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using TierFs.Remote.Transfer;

namespace TierFs.Remote;

/// <summary>
/// The checksum TierFs records for a remote copy, the same for upload and download, S3 and directory:
/// <code>
///   cut the object by its PartPlan (parts of PartSize bytes; an empty object is one empty part)
///   checksum = lowercase hex( MD5( MD5(part 1) ‖ MD5(part 2) ‖ … ‖ MD5(part N) ) ) + "-" + N
/// </code>
/// Why parts: each part's MD5 goes to S3 as Content-MD5, so the server verifies every byte it stores,
/// and both directions can work on parts in parallel. It is the construction S3 uses for multipart
/// ETags, but TierFs never relies on the ETag (SSE-KMS and some servers compute it otherwise) and a
/// single-part object still gets the MD5-of-MD5 form, so one rule covers every object. Two checksums
/// are only comparable with the same part size: uploads record it on the object.
/// </summary>
public static class ChunkedChecksum
{
    /// <summary>Combines the part MD5s, in part order, into the checksum string.</summary>
    public static string Combine(IReadOnlyList<byte[]> partMd5s) =>
        CompositeForm.Combine(partMd5s, MD5.HashSizeInBytes, MD5.HashData, "MD5");

    /// <summary>The checksum of bytes in memory, cut in parts of <paramref name="partSize"/>.</summary>
    public static string Compute(ReadOnlySpan<byte> data, long partSize) =>
        Combine(CompositeForm.PartDigests(data, partSize, MD5.HashData));

    /// <summary>The checksum of bytes [0, length) of a file, read positionally (for comparing a local copy).</summary>
    public static async Task<string> ComputeAsync(SafeFileHandle file, long length, long partSize, CancellationToken ct)
    {
        var plan = new PartPlan(length, partSize);
        var digests = new byte[plan.Count][];
        for (var i = 0; i < plan.Count; i++)
            digests[i] = await FileRanges.Md5Async(file, plan.OffsetOf(i), plan.LengthOf(i), ct);
        return Combine(digests);
    }
}
