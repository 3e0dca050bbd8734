namespace TierFs.Posix;

/// <summary>
/// "/proc/self/fd/N" without allocating: the way to reach an O_PATH descriptor's file with calls
/// that take only a path (open, truncate, xattrs), as passthrough_hp does.
/// </summary>
public static unsafe class ProcFd
{
    public const int BufferSize = 32;
    private static ReadOnlySpan<byte> Prefix => "/proc/self/fd/"u8;

    /// <summary>Writes the null-terminated path into <paramref name="buffer"/> (at least BufferSize bytes).</summary>
    public static byte* Format(int fd, byte* buffer)
    {
        Prefix.CopyTo(new Span<byte>(buffer, BufferSize));
        var p = buffer + Prefix.Length;
        Span<byte> digits = stackalloc byte[12];
        var n = 0;
        var v = (uint)fd;
        do { digits[n++] = (byte)('0' + v % 10); v /= 10; } while (v != 0);
        while (n > 0) *p++ = digits[--n];
        *p = 0;
        return buffer;
    }
}
