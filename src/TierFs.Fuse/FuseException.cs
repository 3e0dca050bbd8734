namespace TierFs.Fuse;

public sealed class FuseException(string message, int errno = 0) : Exception(message)
{
    public int Errno { get; } = errno;
}

/// <summary>
/// Thrown by a filesystem deep in an operation to answer it with <see cref="Errno"/>: the
/// binding replies with that errno and logs nothing (it is an answer, not a fault).
/// </summary>
public sealed class FuseErrnoException(int errno, string message) : Exception(message)
{
    public int Errno { get; } = errno;
}
