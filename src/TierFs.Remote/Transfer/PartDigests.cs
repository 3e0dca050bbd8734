using System.Security.Cryptography;

namespace TierFs.Remote.Transfer;

/// <summary>The digests of one transfer's parts, set by parallel parts, combined in part order.</summary>
internal sealed class PartDigests(int count)
{
    private readonly byte[][] _md5 = new byte[count][];
    private readonly uint[] _crc = new uint[count];

    public void Set(int index, PartDigest digest)
    {
        if (digest.Md5 is { } md5) _md5[index] = md5;
        _crc[index] = digest.Crc32C;
    }

    public string Md5Checksum => ChunkedChecksum.Combine(_md5);

    public string Crc32CChecksum => CompositeCrc32C.Combine(_crc);

    public string Checksum(ChecksumKind kind) => kind == ChecksumKind.ChunkedMd5 ? Md5Checksum : Crc32CChecksum;
}

/// <summary>One part's digests: the MD5 when it was asked for, and the CRC32C.</summary>
internal readonly record struct PartDigest(byte[]? Md5, uint Crc32C)
{
    /// <summary>Both digests of bytes in memory (uploads send the MD5 and record both).</summary>
    public static PartDigest Of(ReadOnlySpan<byte> data) => new(MD5.HashData(data), Remote.Crc32C.Hash(data));
}

/// <summary>Digests of one part fed chunk by chunk; MD5 only when it is needed (it costs 25 times the CRC).</summary>
internal sealed class PartHash : IDisposable
{
    private readonly IncrementalHash? _md5;
    private Crc32C _crc = new();

    private PartHash(bool md5) => _md5 = md5 ? IncrementalHash.CreateHash(HashAlgorithmName.MD5) : null;

    /// <summary>What a download verifying with <paramref name="kind"/> needs.</summary>
    public static PartHash For(ChecksumKind kind) => new(kind == ChecksumKind.ChunkedMd5);

    /// <summary>What an upload records: both.</summary>
    public static PartHash Both() => new(md5: true);

    public void Append(ReadOnlySpan<byte> data)
    {
        _md5?.AppendData(data);
        _crc.Append(data);
    }

    public PartDigest Finish() => new(_md5?.GetHashAndReset(), _crc.Value);

    public void Dispose() => _md5?.Dispose();
}
