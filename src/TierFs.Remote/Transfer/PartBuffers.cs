using System.Buffers;

namespace TierFs.Remote.Transfer;

/// <summary>
/// Buffers that hold a whole upload part. <see cref="ArrayPool{T}.Shared"/> keeps what it is given
/// (per core, several per size): after large migrations ~100 MiB of 16 MiB part buffers stayed in
/// the daemon for good. This pool keeps at most <c>keep</c> buffers of the part size, which is what
/// one upload has in flight; buffers up to 1 MiB come from the shared pool, and the parts of files
/// so large that their part size was raised are allocated and dropped.
/// </summary>
internal sealed class PartBuffers(long partSize, int keep)
{
    private readonly int _partSize = (int)partSize;
    private readonly ArrayPool<byte> _pool = ArrayPool<byte>.Create((int)partSize, keep);

    /// <summary>A buffer of at least <paramref name="length"/> bytes; dispose the lease to give it back.</summary>
    public Lease Rent(int length)
    {
        // Every part-sized request takes the part size, so the private pool holds one size only.
        var pool = length <= FileRanges.ChunkSize ? ArrayPool<byte>.Shared : _pool;
        return new Lease(pool, pool.Rent(pool == _pool ? Math.Max(length, _partSize) : Math.Max(length, 1)));
    }

    public readonly struct Lease(ArrayPool<byte> pool, byte[] array) : IDisposable
    {
        public byte[] Array => array;

        public void Dispose() => pool.Return(array);
    }
}
