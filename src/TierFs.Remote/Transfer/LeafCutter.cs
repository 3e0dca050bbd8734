using System.Buffers;

namespace TierFs.Remote.Transfer;

/// <summary>
/// Cuts a part's bytes, arriving in chunks of any size, into its lead-tree leaves (<see cref="LeadTree"/>):
/// each complete leaf is handed to <c>leafDone</c> (index, bytes valid only during the call) in order.
/// More bytes than the part has are an error.
/// </summary>
internal sealed class LeafCutter(long partLength, long leafSize, Action<int, ReadOnlySpan<byte>> leafDone) : IDisposable
{
    private byte[]? _buffer = ArrayPool<byte>.Shared.Rent((int)leafSize);
    private int _filled;
    private int _leaf;
    private long _received;

    public long PartLength => partLength;

    public long LeafSize => leafSize;

    public bool IsComplete => _received == partLength;

    public void Append(ReadOnlySpan<byte> data)
    {
        var buffer = _buffer ?? throw new ObjectDisposedException(nameof(LeafCutter));
        if (data.Length > partLength - _received) throw new RemoteDataException($"more bytes than the part's {partLength}");
        _received += data.Length;
        while (!data.IsEmpty)
        {
            var want = (int)Math.Min(leafSize, partLength - _leaf * leafSize);
            var take = Math.Min(want - _filled, data.Length);
            data[..take].CopyTo(buffer.AsSpan(_filled));
            _filled += take;
            data = data[take..];
            if (_filled < want) continue;
            leafDone(_leaf, buffer.AsSpan(0, want));
            _leaf++;
            _filled = 0;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer) ArrayPool<byte>.Shared.Return(buffer);
    }
}
