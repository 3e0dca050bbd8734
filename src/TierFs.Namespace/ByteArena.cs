using System.Runtime.CompilerServices;
namespace TierFs.Namespace;

/// <summary>
/// The bytes of a tree's entries (names, targets, xattrs, records), appended into chunks of 1 MiB:
/// no object per entry, and a copy of the tree shares every chunk but the last (a chunk is never
/// written again once a later one exists, so the copy and the original never write into one).
/// A place is the chunk's number and the offset in it (<c>chunk &lt;&lt; 20 | offset</c>); a run
/// longer than a chunk gets a chunk of its own.
/// </summary>
internal sealed class ByteArena
{
    private const int ChunkBits = 20;
    private const int ChunkSize = 1 << ChunkBits;
    private const long OffsetMask = ChunkSize - 1;

    private readonly List<byte[]> _chunks;
    private int _used;

    public ByteArena()
    {
        _chunks = [];
        _used = ChunkSize; // no chunk yet: the first append makes one
    }

    private ByteArena(List<byte[]> chunks, int used)
    {
        _chunks = chunks;
        _used = used;
    }

    /// <summary>Appends <paramref name="bytes"/> and returns their place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public long Append(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > ChunkSize - _used)
        {
            _chunks.Add(new byte[Math.Max(ChunkSize, bytes.Length)]);
            _used = 0;
        }
        var chunk = _chunks.Count - 1;
        var at = _used;
        bytes.CopyTo(_chunks[chunk].AsSpan(at));
        _used += bytes.Length;
        return (long)chunk << ChunkBits | (uint)at;
    }

    /// <summary>The bytes from <paramref name="place"/> to the end of its chunk (a run is read by its own lengths).</summary>
    public ReadOnlySpan<byte> From(long place) => _chunks[(int)(place >> ChunkBits)].AsSpan((int)(place & OffsetMask));

    /// <summary>The chunk and offset of <paramref name="place"/> (what a stream over a run needs).</summary>
    public (byte[] Chunk, int Offset) Locate(long place) => (_chunks[(int)(place >> ChunkBits)], (int)(place & OffsetMask));

    /// <summary>A copy that shares the full chunks and owns a copy of the last one.</summary>
    public ByteArena Copy()
    {
        var chunks = new List<byte[]>(_chunks);
        if (chunks.Count > 0) chunks[^1] = (byte[])chunks[^1].Clone();
        return new ByteArena(chunks, _used);
    }
}
