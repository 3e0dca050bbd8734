using System.Buffers.Binary;

namespace TierFs.Remote;

/// <summary>
/// The fast checksum TierFs records next to the <see cref="ChunkedChecksum"/>, to verify recalls:
/// <code>
///   cut the object by its PartPlan, as for the ChunkedChecksum
///   checksum = lowercase hex( CRC32C( CRC32C(part 1) ‖ … ‖ CRC32C(part N) ) ) + "-" + N   (each CRC as 4 bytes big-endian)
/// </code>
/// S3's composite CRC32C construction (there in base64). Why a second checksum: the MD5s are what
/// S3 needs at upload (Content-MD5 per part), but hashing every recalled byte with MD5 costs more
/// CPU than the whole transfer; a CRC detects corruption and truncation as well (it is not meant to
/// resist a forger: the remote is trusted, its bytes are not). Only comparable with the same part size.
/// </summary>
public static class CompositeCrc32C
{
    public static string Combine(IReadOnlyList<uint> partCrcs)
    {
        ArgumentOutOfRangeException.ThrowIfZero(partCrcs.Count);
        var concatenated = new byte[partCrcs.Count * sizeof(uint)];
        for (var i = 0; i < partCrcs.Count; i++)
            BinaryPrimitives.WriteUInt32BigEndian(concatenated.AsSpan(i * sizeof(uint)), partCrcs[i]);
        return $"{Crc32C.Hash(concatenated):x8}-{partCrcs.Count}";
    }

    /// <summary>The checksum of bytes in memory, cut in parts of <paramref name="partSize"/>.</summary>
    public static string Compute(ReadOnlySpan<byte> data, long partSize)
    {
        var plan = new PartPlan(data.Length, partSize);
        var crcs = new uint[plan.Count];
        for (var i = 0; i < plan.Count; i++)
            crcs[i] = Crc32C.Hash(data.Slice((int)plan.OffsetOf(i), (int)plan.LengthOf(i)));
        return Combine(crcs);
    }
}
