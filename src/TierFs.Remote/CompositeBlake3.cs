namespace TierFs.Remote;

/// <summary>
/// The digest a recall verifies, recorded in the stub at archive time:
/// <code>
///   cut the object by its PartPlan, as for the ChunkedChecksum
///   digest = lowercase hex( BLAKE3( BLAKE3(part 1) ‖ … ‖ BLAKE3(part N) ) ) + "-" + N   (32-byte digests)
/// </code>
/// The construction of S3's composite checksums, with BLAKE3. Why it resists forgery where the
/// <see cref="CompositeCrc32C"/> does not: a CRC is linear, so whoever can write the remote tier can
/// give any bytes of the same length the recorded CRC (4 chosen bytes fix it); to pass this digest
/// they need bytes with the same BLAKE3 as a recorded part (a second preimage), or a collision of
/// the outer hash, neither of which is known to be feasible (BLAKE3 has 128-bit security against
/// both). The stub record that holds the value is a trusted.* xattr, which only root can write.
/// Why BLAKE3 and not SHA-256 (measured on the recall path, integration/bench/README.md): hashing
/// each part as it arrives cost a download 0.44 CPU-s per GiB with BLAKE3 against 0.69 with SHA-256
/// (the CPU's SHA instructions), and on 2 cores shared with the server that CPU is recall speed.
/// Only comparable with the same part size.
/// </summary>
public static class CompositeBlake3
{
    public const int DigestSize = 32;

    /// <summary>Combines the part digests, in part order, into the digest string.</summary>
    public static string Combine(IReadOnlyList<byte[]> partDigests) =>
        CompositeForm.Combine(partDigests, DigestSize, Hash, "BLAKE3");

    /// <summary>The digest of bytes in memory, cut in parts of <paramref name="partSize"/>.</summary>
    public static string Compute(ReadOnlySpan<byte> data, long partSize) =>
        Combine(CompositeForm.PartDigests(data, partSize, Hash));

    /// <summary>The 32-byte BLAKE3 of bytes in memory.</summary>
    public static byte[] Hash(ReadOnlySpan<byte> data) => Blake3.Hasher.Hash(data).AsSpan().ToArray();
}
