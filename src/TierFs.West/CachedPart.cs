using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace TierFs.West;

/// <summary>
/// A verified part's bytes in memory, from a pool, shared by the cache and the readers that hold it:
/// back to the pool only once the last of them lets go (a reader copying from it never sees another
/// part's bytes).
/// </summary>
internal sealed class PartBuffer(int length)
{
    private int _refs = 1;

    public byte[] Array { get; } = ArrayPool<byte>.Shared.Rent(length);
    public int Length { get; } = length;

    public PartBuffer AddRef()
    {
        Interlocked.Increment(ref _refs);
        return this;
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _refs) == 0) ArrayPool<byte>.Shared.Return(Array);
    }
}

/// <summary>
/// One reader's hold on a cached part: its bytes in memory or its file, readable until disposed
/// whatever the cache does with the part meanwhile. Counts what it hands out (a part read whole
/// from memory need not be written to disk: the kernel's page cache has it).
/// </summary>
public sealed class CachedPart : IDisposable
{
    private readonly PartBuffer? _memory;
    private readonly SafeFileHandle? _file;
    private readonly Action<long>? _served;
    private int _disposed;

    internal CachedPart(PartBuffer memory, Action<long> served)
    {
        _memory = memory;
        _served = served;
        Length = memory.Length;
    }

    internal CachedPart(SafeFileHandle file)
    {
        _file = file;
        Length = RandomAccess.GetLength(file);
    }

    public long Length { get; }

    /// <summary>True when the bytes come from memory, false from the cache file.</summary>
    public bool InMemory => _memory is not null;

    /// <summary>Exactly <paramref name="into"/>.Length bytes from <paramref name="at"/> (within the part).</summary>
    public void Read(Span<byte> into, long at)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(at);
        if (at + into.Length > Length) throw new IOException($"bytes {at}..{at + into.Length} of a part of {Length}");
        if (_memory is not null)
        {
            _memory.Array.AsSpan((int)at, into.Length).CopyTo(into);
            _served!(into.Length);
            return;
        }
        var got = 0;
        while (got < into.Length)
        {
            var n = RandomAccess.Read(_file!, into[got..], at + got);
            if (n <= 0) throw new IOException($"a cached part ended {into.Length - got} bytes early");
            got += n;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _memory?.Release();
        _file?.Dispose();
    }
}
