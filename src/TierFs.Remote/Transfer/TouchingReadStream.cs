namespace TierFs.Remote.Transfer;

/// <summary>
/// A read-only, seekable view of a part buffer that touches an <see cref="IdleDeadline"/> on each
/// read, so an upload stays alive while the SDK is sending, and stops when nothing moves.
/// Seekable because the SDK reads the body twice (to sign it, then to send it) and again on retry.
/// </summary>
internal sealed class TouchingReadStream(byte[] buffer, int length, Action touch)
    : MemoryStream(buffer, 0, length, writable: false, publiclyVisible: false)
{
    public override int Read(byte[] buffer, int offset, int count)
    {
        touch();
        return base.Read(buffer, offset, count);
    }

    public override int Read(Span<byte> buffer)
    {
        touch();
        return base.Read(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        touch();
        return base.ReadAsync(buffer, offset, count, cancellationToken);
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        touch();
        return base.ReadAsync(buffer, cancellationToken);
    }
}
