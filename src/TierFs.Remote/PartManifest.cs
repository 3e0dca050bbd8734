using System.Buffers.Binary;

namespace TierFs.Remote;

/// <summary>
/// The per-part digests of one archived object, stored by the upload as a small immutable object
/// next to it (see <see cref="KeyFor"/>), so that a reader can verify each part of a ranged read on
/// its own. Written for objects of two parts or more only: the one part of a single-part object is
/// verified against the stub's digest itself (its leaf is the whole tree). Binary, big-endian:
/// <code>
///   "TFPARTS1" or "TFPARTS2"        8 bytes: magic and format version
///   length                          8 bytes: the object's length
///   part size                       8 bytes: the part cut (PartPlan)
///   N                               4 bytes: the number of parts, PartPlan(length, part size).Count
///   N × ( BLAKE3(part) ‖ CRC32C(part) )   32 + 4 bytes each, in part order
///   format 2 only, the first part's lead tree (LeadTree):
///   leaf size                       8 bytes
///   K                               4 bytes: its leaves, at most LeadTree.MaxLeaves
///   K × CV                          32 bytes each: the BLAKE3 chaining value of each leaf
/// </code>
/// (28 + 36·N bytes and the lead's 12 + 32·K: 360 KB at S3's 10,000 parts, far past the 2 KB of S3
/// user metadata, and a multipart upload's metadata is sent before its parts are hashed anyway.)
/// Format 1 is written when there is no lead tree, so that older readers read it. Why it cannot be
/// forged: combining its BLAKE3s gives <see cref="CompositeBlake3"/>, the "b3" value a stub records
/// in a trusted.* xattr that only root writes, and its CRCs the stub's "crc"; the lead's CVs must merge
/// to the first part's BLAKE3 (see <see cref="Verify"/>); a manifest that does not is refused, and a
/// part (or leaf) is then accepted only if its BLAKE3 (CV) is its entry. A forger would need a BLAKE3
/// second preimage or collision.
/// </summary>
public sealed class PartManifest
{
    private static ReadOnlySpan<byte> Magic1 => "TFPARTS1"u8;
    private static ReadOnlySpan<byte> Magic2 => "TFPARTS2"u8;
    private const int HeaderSize = 28;
    private const int EntrySize = CompositeBlake3.DigestSize + sizeof(uint);
    private const int LeadHeaderSize = 12;

    /// <summary>The largest manifest: S3's 10,000 parts and the largest lead tree.</summary>
    public const int MaxBytes = HeaderSize + PartPlan.MaxParts * EntrySize + LeadHeaderSize + LeadTree.MaxLeaves * Blake3Subtrees.CvSize;

    /// <summary>What the name of a manifest starts with: a reserved segment, so listings leave it out and no caller's key can be one.</summary>
    public const string NamePrefix = RemoteKey.ReservedSegmentPrefix + "parts.";

    private readonly byte[][] _blake3;
    private readonly uint[] _crc32c;

    private PartManifest(PartPlan plan, byte[][] blake3, uint[] crc32c, LeadTree? lead)
    {
        Plan = plan;
        _blake3 = blake3;
        _crc32c = crc32c;
        Lead = lead;
    }

    public PartPlan Plan { get; }

    /// <summary>The first part's finer cut; null in a manifest of format 1. Trusted only after <see cref="Verify"/>.</summary>
    public LeadTree? Lead { get; }

    public int Count => Plan.Count;

    /// <summary>The BLAKE3 of part <paramref name="index"/> (32 bytes).</summary>
    public ReadOnlySpan<byte> Blake3Of(int index) => _blake3[index];

    public uint Crc32COf(int index) => _crc32c[index];

    /// <summary>The manifest object's key for the data object <paramref name="key"/>: ".tierfs-parts.NAME" beside it.</summary>
    public static string KeyFor(string key)
    {
        var slash = key.LastIndexOf('/');
        return string.Concat(key.AsSpan(0, slash + 1), NamePrefix, key.AsSpan(slash + 1));
    }

    /// <summary>The data object a manifest key (<see cref="KeyFor"/>) belongs to; null when the key names no manifest.</summary>
    public static string? DataKeyOf(string manifestKey)
    {
        var slash = manifestKey.LastIndexOf('/');
        var name = manifestKey.AsSpan(slash + 1);
        if (!name.StartsWith(NamePrefix, StringComparison.Ordinal) || name.Length == NamePrefix.Length) return null;
        return string.Concat(manifestKey.AsSpan(0, slash + 1), name[NamePrefix.Length..]);
    }

    /// <summary>Whether an object of this cut gets a manifest (two parts or more).</summary>
    public static bool IsWrittenFor(PartPlan plan) => plan.Count > 1;

    /// <summary>The manifest of an upload's parts (each with its BLAKE3).</summary>
    public static PartManifest FromDigests(PartPlan plan, IReadOnlyList<Transfer.PartDigest> parts)
    {
        if (parts.Count != plan.Count) throw new ArgumentException($"{parts.Count} part digests for {plan.Count} parts", nameof(parts));
        var blake3 = new byte[plan.Count][];
        var crcs = new uint[plan.Count];
        for (var i = 0; i < plan.Count; i++)
        {
            blake3[i] = parts[i].Blake3 is { Length: CompositeBlake3.DigestSize } b ? b : throw new ArgumentException($"part {i + 1} has no BLAKE3", nameof(parts));
            crcs[i] = parts[i].Crc32C;
        }
        return new PartManifest(plan, blake3, crcs, parts[0].Lead is { } lead && lead.PartLength == plan.LengthOf(0) ? lead : null);
    }

    public byte[] ToBytes()
    {
        var entries = HeaderSize + Count * EntrySize;
        var bytes = new byte[entries + (Lead is null ? 0 : LeadHeaderSize + Lead.Count * Blake3Subtrees.CvSize)];
        (Lead is null ? Magic1 : Magic2).CopyTo(bytes);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(8), Plan.Length);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(16), Plan.PartSize);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(24), Count);
        for (var i = 0; i < Count; i++)
        {
            var entry = bytes.AsSpan(HeaderSize + i * EntrySize, EntrySize);
            _blake3[i].CopyTo(entry);
            BinaryPrimitives.WriteUInt32BigEndian(entry[CompositeBlake3.DigestSize..], _crc32c[i]);
        }
        if (Lead is { } lead)
        {
            BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(entries), lead.LeafSize);
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(entries + 8), lead.Count);
            for (var k = 0; k < lead.Count; k++)
                lead.CvOf(k).CopyTo(bytes.AsSpan(entries + LeadHeaderSize + k * Blake3Subtrees.CvSize));
        }
        return bytes;
    }

    /// <summary>Reads a manifest; anything malformed is a <see cref="RemoteDataException"/> naming <paramref name="where"/>.</summary>
    public static PartManifest Parse(ReadOnlySpan<byte> bytes, string where)
    {
        var version = bytes.Length < HeaderSize ? 0 : bytes[..8].SequenceEqual(Magic1) ? 1 : bytes[..8].SequenceEqual(Magic2) ? 2 : 0;
        if (version == 0)
            throw new RemoteDataException($"{where}: not a TierFs part manifest");
        var length = BinaryPrimitives.ReadInt64BigEndian(bytes[8..]);
        var partSize = BinaryPrimitives.ReadInt64BigEndian(bytes[16..]);
        var count = BinaryPrimitives.ReadInt32BigEndian(bytes[24..]);
        PartPlan plan;
        try { plan = new PartPlan(length, partSize); }
        catch (ArgumentOutOfRangeException e) { throw new RemoteDataException($"{where}: a part manifest of {length} bytes in parts of {partSize} is impossible", e); }
        var entries = HeaderSize + (long)count * EntrySize;
        if (count != plan.Count || (version == 1 ? bytes.Length != entries : bytes.Length < entries + LeadHeaderSize))
            throw new RemoteDataException($"{where}: the part manifest says {count} parts in {bytes.Length} bytes; {length} bytes in parts of {partSize} are {plan.Count} parts");
        var blake3 = new byte[count][];
        var crcs = new uint[count];
        for (var i = 0; i < count; i++)
        {
            var entry = bytes.Slice(HeaderSize + i * EntrySize, EntrySize);
            blake3[i] = entry[..CompositeBlake3.DigestSize].ToArray();
            crcs[i] = BinaryPrimitives.ReadUInt32BigEndian(entry[CompositeBlake3.DigestSize..]);
        }
        return new PartManifest(plan, blake3, crcs, version == 1 ? null : ParseLead(bytes[(int)entries..], plan.LengthOf(0), where));
    }

    private static LeadTree ParseLead(ReadOnlySpan<byte> bytes, long partLength, string where)
    {
        var leafSize = BinaryPrimitives.ReadInt64BigEndian(bytes);
        var count = BinaryPrimitives.ReadInt32BigEndian(bytes[8..]);
        if (count is < 0 or > LeadTree.MaxLeaves || bytes.Length != LeadHeaderSize + count * Blake3Subtrees.CvSize)
            throw new RemoteDataException($"{where}: the part manifest's lead tree says {count} leaves in {bytes.Length - LeadHeaderSize} bytes");
        var cvs = new byte[count][];
        for (var k = 0; k < count; k++)
            cvs[k] = bytes.Slice(LeadHeaderSize + k * Blake3Subtrees.CvSize, Blake3Subtrees.CvSize).ToArray();
        try { return new LeadTree(partLength, leafSize, cvs); }
        catch (ArgumentException e) { throw new RemoteDataException($"{where}: the part manifest's lead tree of {count} leaves of {leafSize} bytes does not cut a first part of {partLength}", e); }
    }

    /// <summary>
    /// Accepts the manifest only if it describes the object the record does: the same length and
    /// part cut, its BLAKE3s combining to the record's digest and, when the record has one, its CRCs
    /// to the record's CRC, and its lead tree, if any, merging to the first part's BLAKE3. Otherwise a <see cref="RemoteDataException"/> naming <paramref name="where"/>.
    /// </summary>
    public void Verify(ObjectDigest expected, string where)
    {
        if (Plan.Length != expected.Length || Plan.PartSize != expected.PartSize)
            throw new RemoteDataException($"{where}: the part manifest describes {Plan.Length} bytes in parts of {Plan.PartSize}, the record {expected.Length} in parts of {expected.PartSize}");
        var blake3 = CompositeBlake3.Combine(_blake3);
        if (blake3 != expected.Blake3)
            throw new RemoteDataException($"{where}: the part manifest combines to {blake3}, the file was archived as {expected.Blake3}: refused");
        if (expected.Crc32C is { } crc && CompositeCrc32C.Combine(_crc32c) is var combined && combined != crc)
            throw new RemoteDataException($"{where}: the part manifest's CRCs combine to {combined}, the file was archived as {crc}: refused");
        if (Lead is { } lead && !lead.MergesTo(_blake3[0]))
            throw new RemoteDataException($"{where}: the part manifest's lead tree does not merge to its first part's BLAKE3: refused");
    }
}
