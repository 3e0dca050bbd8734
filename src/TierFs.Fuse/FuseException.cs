namespace TierFs.Fuse;

public sealed class FuseException(string message, int errno = 0) : Exception(message)
{
    public int Errno { get; } = errno;
}
