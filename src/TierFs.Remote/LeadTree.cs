namespace TierFs.Remote;

/// <summary>
/// The first part of an object cut finer, for the first byte of a recall: the BLAKE3 chaining values
/// of the part's consecutive subtrees of <see cref="LeafSize"/> bytes (1 MiB for a 16 MiB part). They
/// merge to the part's BLAKE3 (<see cref="Blake3Subtrees.RootOf"/>), which its manifest entry holds,
/// so once that merge is checked each leaf can be verified on its own as it arrives: a reader of the
/// file's start (file(1), head, an HDF5 or NetCDF header) waits for one leaf, not the whole part.
/// Kept in the part manifest (<see cref="PartManifest"/>, format 2).
/// </summary>
public sealed class LeadTree
{
    /// <summary>The preferred leaf: small enough to land in a few ms, big enough that its CPU is not the recall's.</summary>
    public const long PreferredLeafSize = 1024 * 1024;

    /// <summary>At most this many leaves (2 KiB of CVs): a larger part gets larger leaves.</summary>
    public const int MaxLeaves = 64;

    private readonly byte[][] _cvs;

    public LeadTree(long partLength, long leafSize, IReadOnlyList<byte[]> cvs)
    {
        Blake3Subtrees.CheckLeafSize(leafSize, partLength);
        if (cvs.Count != Blake3Subtrees.LeafCount(partLength, leafSize) || cvs.Count > MaxLeaves)
            throw new ArgumentException($"{cvs.Count} subtrees for {partLength} bytes in subtrees of {leafSize}", nameof(cvs));
        if (cvs.Any(cv => cv is not { Length: Blake3Subtrees.CvSize }))
            throw new ArgumentException($"a subtree CV is {Blake3Subtrees.CvSize} bytes", nameof(cvs));
        PartLength = partLength;
        LeafSize = leafSize;
        _cvs = [.. cvs];
    }

    public long PartLength { get; }

    public long LeafSize { get; }

    public int Count => _cvs.Length;

    public ReadOnlySpan<byte> CvOf(int leaf) => _cvs[leaf];

    public long LengthOf(int leaf) => Math.Min(LeafSize, PartLength - leaf * LeafSize);

    /// <summary>The leaf size for a part of <paramref name="partLength"/> bytes; null when it is too short to cut (two leaves at least).</summary>
    public static long? LeafSizeFor(long partLength)
    {
        // Four leaves at least, so a test's 64 KiB part is cut too; at most MaxLeaves.
        var leaf = PreferredLeafSize;
        while (leaf > Blake3Subtrees.ChunkSize && partLength / leaf < 4) leaf /= 2;
        while (Blake3Subtrees.LeafCount(partLength, leaf) > MaxLeaves) leaf *= 2;
        return leaf < partLength ? leaf : null;
    }

    /// <summary>The lead tree of a part in memory; null when it is too short to cut.</summary>
    public static LeadTree? Of(ReadOnlySpan<byte> part)
    {
        if (LeafSizeFor(part.Length) is not { } leafSize) return null;
        var cvs = new byte[Blake3Subtrees.LeafCount(part.Length, leafSize)][];
        for (var i = 0; i < cvs.Length; i++)
        {
            var start = i * leafSize;
            cvs[i] = LeafCv(leafSize, i, part.Slice((int)start, (int)Math.Min(leafSize, part.Length - start)));
        }
        return new LeadTree(part.Length, leafSize, cvs);
    }

    /// <summary>Whether the leaves merge to <paramref name="partBlake3"/>: only then may a leaf be trusted on its own.</summary>
    public bool MergesTo(ReadOnlySpan<byte> partBlake3) =>
        Blake3Subtrees.RootOf(_cvs, LeafSize, PartLength).AsSpan().SequenceEqual(partBlake3);

    /// <summary>Whether <paramref name="bytes"/> are leaf <paramref name="leaf"/> (only meaningful once <see cref="MergesTo"/> held).</summary>
    public bool IsLeaf(int leaf, ReadOnlySpan<byte> bytes) =>
        bytes.Length == LengthOf(leaf)
        && LeafCv(LeafSize, leaf, bytes).AsSpan().SequenceEqual(_cvs[leaf]);

    /// <summary>The CV of leaf <paramref name="leaf"/> of a cut in leaves of <paramref name="leafSize"/>: its bytes as the subtree starting at its first chunk.</summary>
    internal static byte[] LeafCv(long leafSize, int leaf, ReadOnlySpan<byte> bytes) =>
        Blake3Subtrees.SubtreeCv(bytes, leaf * leafSize / Blake3Subtrees.ChunkSize);
}
