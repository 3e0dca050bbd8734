using System.Security.Cryptography;

namespace TierFs.Remote;

/// <summary>
/// The digest a recall verifies, recorded in the stub at archive time:
/// <code>
///   cut the object by its PartPlan, as for the ChunkedChecksum
///   digest = lowercase hex( SHA-256( SHA-256(part 1) ‖ … ‖ SHA-256(part N) ) ) + "-" + N
/// </code>
/// S3's composite SHA-256 construction (there in base64). Why it resists forgery where the
/// <see cref="CompositeCrc32C"/> does not: a CRC is linear, so whoever can write the remote tier can
/// give any bytes of the same length the recorded CRC (4 chosen bytes fix it); to pass this digest
/// they need bytes with the same SHA-256 as a recorded part (a second preimage), or a collision of
/// the outer hash, neither of which is known to be feasible. The stub record that holds the value
/// is a trusted.* xattr, which only root can write. Why SHA-256 and not BLAKE3: the CPU's SHA
/// instructions (through OpenSSL) hash 1 GiB in ~0.64 CPU-s whatever size the network's reads come
/// in, while the managed BLAKE3 costs 0.40 in 1 MiB updates but 0.72 in 64 KiB and 2.4 in 8 KiB ones
/// (integration/bench/README.md); and every tool (sha256sum, S3 itself) can check it.
/// Only comparable with the same part size.
/// </summary>
public static class CompositeSha256
{
    /// <summary>Combines the part SHA-256s, in part order, into the digest string.</summary>
    public static string Combine(IReadOnlyList<byte[]> partSha256s) =>
        CompositeForm.Combine(partSha256s, SHA256.HashSizeInBytes, SHA256.HashData, "SHA-256");

    /// <summary>The digest of bytes in memory, cut in parts of <paramref name="partSize"/>.</summary>
    public static string Compute(ReadOnlySpan<byte> data, long partSize) =>
        Combine(CompositeForm.PartDigests(data, partSize, SHA256.HashData));
}
