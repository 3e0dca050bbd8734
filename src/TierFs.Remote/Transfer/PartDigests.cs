using System.Security.Cryptography;

namespace TierFs.Remote.Transfer;

/// <summary>The digests of one transfer's parts, set by parallel parts, combined in part order.</summary>
internal sealed class PartDigests(int count)
{
    private readonly PartDigest[] _parts = new PartDigest[count];

    public void Set(int index, PartDigest digest) => _parts[index] = digest;

    public IReadOnlyList<PartDigest> Parts => _parts;

    public string Md5Checksum => ChunkedChecksum.Combine(_parts.Select(p => p.Md5!).ToArray());

    public string Blake3Checksum => CompositeBlake3.Combine(_parts.Select(p => p.Blake3!).ToArray());

    public string Crc32CChecksum => CompositeCrc32C.Combine(_parts.Select(p => p.Crc32C).ToArray());

    public string Checksum(ChecksumKind kind) => kind == ChecksumKind.ChunkedMd5 ? Md5Checksum : Blake3Checksum;

    /// <summary>What an upload records: every checksum.</summary>
    public UploadResult Uploaded(long partSize, string? etag, long length) =>
        new(Md5Checksum, Blake3Checksum, Crc32CChecksum, partSize, etag, length, Parts);

    /// <summary>What a download verifying with <paramref name="kind"/> reports.</summary>
    public DownloadResult Downloaded(ChecksumKind kind, long length, long partSize) =>
        new(Checksum(kind), kind, Crc32CChecksum, length, partSize, Parts);
}

/// <summary>
/// One part's digests: the MD5 and the BLAKE3 when they were asked for (null otherwise), and the
/// CRC32C, always. A part's BLAKE3 is what a later per-part check of a ranged read can trust, once
/// the list of them is itself bound to the stub's digest (see the README).
/// </summary>
public readonly record struct PartDigest(byte[]? Md5, byte[]? Blake3, uint Crc32C)
{
    /// <summary>The first part's finer cut (<see cref="LeadTree"/>), recorded by uploads of two parts or more; null otherwise.</summary>
    public LeadTree? Lead { get; init; }

    /// <summary>Every digest of bytes in memory (uploads send the MD5 and record all three); the lead tree too when <paramref name="lead"/>.</summary>
    internal static PartDigest Of(ReadOnlySpan<byte> data, bool lead = false)
    {
        var digest = new PartDigest(MD5.HashData(data), CompositeBlake3.Hash(data), Remote.Crc32C.Hash(data));
        return lead ? digest.WithLead(LeadTree.Of(data)) : digest;
    }

    /// <summary>Whether part <paramref name="index"/> of <paramref name="plan"/> gets a lead tree: the first part of an object with a manifest.</summary>
    internal static bool HasLead(PartPlan plan, int index) => index == 0 && PartManifest.IsWrittenFor(plan);

    /// <summary>
    /// This digest with <paramref name="lead"/>, if its leaves merge to this part's BLAKE3: a lead tree
    /// that would not is never written (a recall would refuse the manifest), so an error in computing
    /// one costs the fast first byte, never the data.
    /// </summary>
    internal PartDigest WithLead(LeadTree? lead) =>
        lead is not null && Blake3 is not null && lead.MergesTo(Blake3) ? this with { Lead = lead } : this;
}

/// <summary>Digests of one part fed chunk by chunk; each cryptographic one only when it is needed.</summary>
internal sealed class PartHash : IDisposable
{
    private readonly IncrementalHash? _md5;
    private readonly Blake3.Hasher? _blake3;
    private readonly LeafCutter? _lead;
    private readonly List<byte[]> _leadCvs = [];
    private Crc32C _crc = new();

    private PartHash(bool md5, bool blake3, long? leadPartLength = null)
    {
        _md5 = md5 ? IncrementalHash.CreateHash(HashAlgorithmName.MD5) : null;
        _blake3 = blake3 ? Blake3.Hasher.New() : null;
        if (leadPartLength is { } length && LeadTree.LeafSizeFor(length) is { } leafSize)
            _lead = new LeafCutter(length, leafSize, (i, leaf) => _leadCvs.Add(LeadTree.LeafCv(leafSize, i, leaf)));
    }

    /// <summary>What a download verifying with <paramref name="kind"/> needs (and the CRC).</summary>
    public static PartHash For(ChecksumKind kind) => new(md5: kind == ChecksumKind.ChunkedMd5, blake3: kind == ChecksumKind.CompositeBlake3);

    /// <summary>The CRC alone: for bytes whose BLAKE3 is proven otherwise (the first part's leaves, each checked against the lead tree).</summary>
    public static PartHash CrcOnly() => new(md5: false, blake3: false);

    /// <summary>What an upload records: all, and the lead tree of a part of <paramref name="leadPartLength"/> bytes when given.</summary>
    public static PartHash All(long? leadPartLength = null) => new(md5: true, blake3: true, leadPartLength);

    public void Append(ReadOnlySpan<byte> data)
    {
        _md5?.AppendData(data);
        _blake3?.Update(data);
        _crc.Append(data);
        _lead?.Append(data);
    }

    public PartDigest Finish()
    {
        var digest = new PartDigest(_md5?.GetHashAndReset(), _blake3?.Finalize().AsSpan().ToArray(), _crc.Value);
        return _lead is { IsComplete: true } lead ? digest.WithLead(new LeadTree(lead.PartLength, lead.LeafSize, _leadCvs)) : digest;
    }

    public void Dispose()
    {
        _md5?.Dispose();
        _blake3?.Dispose();
        _lead?.Dispose();
    }
}
