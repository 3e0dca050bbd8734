using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace TierFs.Remote;

/// <summary>
/// The BLAKE3 tree below the root, which the Blake3 package does not expose: the chaining value
/// (CV) of an aligned subtree of a hashed input, and the merge of such CVs up to the input's root
/// hash. What lets a part's first MiB be verified before the rest of the part has arrived
/// (<see cref="LeadTree"/>): a part's BLAKE3 is the root of a binary tree over its 1 KiB chunks, so
/// the CVs of its aligned 2^k-chunk subtrees merge to that root, and each subtree's bytes are checked
/// against its CV alone (BLAKE3 paper §2.1, Bao's verified streaming).
/// Scalar and plain; used on one part per object, so its speed (about 0.3 GB/s) is not the recall's.
/// Checked against the Blake3 package's root hash for many lengths (tests).
/// </summary>
public static class Blake3Subtrees
{
    public const int ChunkSize = 1024;
    public const int CvSize = 32;
    private const int BlockSize = 64;
    private const uint ChunkStart = 1, ChunkEnd = 2, Parent = 4, Root = 8;

    private static readonly uint[] Iv = [0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19];

    // The message word order of each of the 7 rounds: the permutation applied round after round.
    private static readonly byte[][] Schedule = MakeSchedule();

    /// <summary>
    /// The non-root CV of <paramref name="data"/> as the subtree of an input that starts at chunk
    /// <paramref name="firstChunk"/> of it. The subtree must be one of the input's tree: it starts at
    /// a multiple of its own chunk count rounded up to a power of two, and is not the whole input.
    /// </summary>
    public static byte[] SubtreeCv(ReadOnlySpan<byte> data, long firstChunk)
    {
        if (data.Length == 0) throw new ArgumentException("a subtree has at least one byte", nameof(data));
        Span<uint> cv = stackalloc uint[8];
        SubtreeWords(data, firstChunk, cv);
        return ToBytes(cv);
    }

    /// <summary>
    /// The root hash (32 bytes) of an input of <paramref name="length"/> bytes from the CVs of its
    /// consecutive subtrees of <paramref name="leafSize"/> bytes (a power of two, at least one chunk,
    /// less than the length; the last may be short).
    /// </summary>
    public static byte[] RootOf(IReadOnlyList<byte[]> leafCvs, long leafSize, long length)
    {
        CheckLeafSize(leafSize, length);
        if (leafCvs.Count != LeafCount(length, leafSize))
            throw new ArgumentException($"{leafCvs.Count} subtrees for {length} bytes in subtrees of {leafSize}", nameof(leafCvs));
        Span<uint> cv = stackalloc uint[8];
        Merge(leafCvs, leafSize, 0, length, isRoot: true, cv);
        return ToBytes(cv);
    }

    public static int LeafCount(long length, long leafSize) => (int)((length + leafSize - 1) / leafSize);

    public static void CheckLeafSize(long leafSize, long length)
    {
        if (leafSize < ChunkSize || !BitOperations.IsPow2(leafSize) || leafSize >= length)
            throw new ArgumentOutOfRangeException(nameof(leafSize), $"subtrees of {leafSize} bytes do not cut {length} bytes (a power of two from {ChunkSize}, less than the length)");
    }

    private static void Merge(IReadOnlyList<byte[]> leaves, long leafSize, long start, long length, bool isRoot, Span<uint> cv)
    {
        if (length <= leafSize)
        {
            var leaf = leaves[(int)(start / leafSize)];
            if (leaf is not { Length: CvSize }) throw new ArgumentException($"a subtree CV is {CvSize} bytes", nameof(leaves));
            for (var i = 0; i < 8; i++) cv[i] = BinaryPrimitives.ReadUInt32LittleEndian(leaf.AsSpan(i * 4));
            return;
        }
        // BLAKE3's left subtree holds the largest power of two of chunks that leaves one for the right:
        // a multiple of the leaf size here, since the range holds more than one leaf.
        var leftBytes = LeftChunks(ChunkCount(length)) * ChunkSize;
        Span<uint> block = stackalloc uint[16];
        Merge(leaves, leafSize, start, leftBytes, false, block[..8]);
        Merge(leaves, leafSize, start + leftBytes, length - leftBytes, false, block[8..]);
        Compress(Iv, block, 0, BlockSize, Parent | (isRoot ? Root : 0), cv);
    }

    // Compiled optimised at once. A daemon runs this on one part per recall, and with all else it
    // compiles, tiered compilation left it unoptimised (G not inlined) for long: 6% of the daemon's
    // CPU for 1.6% of the bytes in a profile of tier-run.sh's `cat` row. Optimised, 16 MiB take
    // 61 ms from the first call on (45 once promoted by tiers with profile data).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SubtreeWords(ReadOnlySpan<byte> data, long firstChunk, Span<uint> cv)
    {
        var chunks = ChunkCount(data.Length);
        if (chunks == 1)
        {
            ChunkCv(data, firstChunk, cv);
            return;
        }
        var left = LeftChunks(chunks);
        Span<uint> block = stackalloc uint[16];
        SubtreeWords(data[..(int)(left * ChunkSize)], firstChunk, block[..8]);
        SubtreeWords(data[(int)(left * ChunkSize)..], firstChunk + left, block[8..]);
        Compress(Iv, block, 0, BlockSize, Parent, cv);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ChunkCv(ReadOnlySpan<byte> chunk, long index, Span<uint> cv)
    {
        Iv.CopyTo(cv);
        Span<uint> words = stackalloc uint[16];
        var blocks = Math.Max(1, (chunk.Length + BlockSize - 1) / BlockSize);
        for (var b = 0; b < blocks; b++)
        {
            var bytes = chunk.Slice(b * BlockSize, Math.Min(BlockSize, chunk.Length - b * BlockSize));
            LoadBlock(bytes, words);
            var flags = (b == 0 ? ChunkStart : 0) | (b == blocks - 1 ? ChunkEnd : 0);
            Compress(cv, words, (ulong)index, (uint)bytes.Length, flags, cv);
        }
    }

    /// <summary>A block's 16 little-endian words, a short (last) block padded with zeros.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LoadBlock(ReadOnlySpan<byte> bytes, Span<uint> words)
    {
        if (bytes.Length == BlockSize)
        {
            for (var i = 0; i < 16; i++) words[i] = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(i * 4)..]);
            return;
        }
        Span<byte> padded = stackalloc byte[BlockSize];
        padded.Clear();
        bytes.CopyTo(padded);
        for (var i = 0; i < 16; i++) words[i] = BinaryPrimitives.ReadUInt32LittleEndian(padded[(i * 4)..]);
    }

    private static long ChunkCount(long length) => Math.Max(1, (length + ChunkSize - 1) / ChunkSize);

    private static long LeftChunks(long chunks) => (long)BitOperations.RoundUpToPowerOf2((ulong)chunks) / 2;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Compress(ReadOnlySpan<uint> cv, ReadOnlySpan<uint> m, ulong counter, uint blockLength, uint flags, Span<uint> output)
    {
        uint v0 = cv[0], v1 = cv[1], v2 = cv[2], v3 = cv[3], v4 = cv[4], v5 = cv[5], v6 = cv[6], v7 = cv[7];
        uint v8 = Iv[0], v9 = Iv[1], v10 = Iv[2], v11 = Iv[3];
        uint v12 = (uint)counter, v13 = (uint)(counter >> 32), v14 = blockLength, v15 = flags;
        foreach (var s in Schedule)
        {
            G(ref v0, ref v4, ref v8, ref v12, m[s[0]], m[s[1]]);
            G(ref v1, ref v5, ref v9, ref v13, m[s[2]], m[s[3]]);
            G(ref v2, ref v6, ref v10, ref v14, m[s[4]], m[s[5]]);
            G(ref v3, ref v7, ref v11, ref v15, m[s[6]], m[s[7]]);
            G(ref v0, ref v5, ref v10, ref v15, m[s[8]], m[s[9]]);
            G(ref v1, ref v6, ref v11, ref v12, m[s[10]], m[s[11]]);
            G(ref v2, ref v7, ref v8, ref v13, m[s[12]], m[s[13]]);
            G(ref v3, ref v4, ref v9, ref v14, m[s[14]], m[s[15]]);
        }
        output[0] = v0 ^ v8; output[1] = v1 ^ v9; output[2] = v2 ^ v10; output[3] = v3 ^ v11;
        output[4] = v4 ^ v12; output[5] = v5 ^ v13; output[6] = v6 ^ v14; output[7] = v7 ^ v15;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void G(ref uint a, ref uint b, ref uint c, ref uint d, uint x, uint y)
    {
        a = a + b + x;
        d = BitOperations.RotateRight(d ^ a, 16);
        c += d;
        b = BitOperations.RotateRight(b ^ c, 12);
        a = a + b + y;
        d = BitOperations.RotateRight(d ^ a, 8);
        c += d;
        b = BitOperations.RotateRight(b ^ c, 7);
    }

    private static byte[][] MakeSchedule()
    {
        byte[] permutation = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8];
        var rounds = new byte[7][];
        var order = Enumerable.Range(0, 16).Select(i => (byte)i).ToArray();
        for (var r = 0; r < 7; r++)
        {
            rounds[r] = order;
            order = [.. permutation.Select(p => order[p])];
        }
        return rounds;
    }

    private static byte[] ToBytes(ReadOnlySpan<uint> words)
    {
        var bytes = new byte[CvSize];
        for (var i = 0; i < 8; i++) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), words[i]);
        return bytes;
    }
}
