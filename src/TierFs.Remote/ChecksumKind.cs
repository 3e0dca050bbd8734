namespace TierFs.Remote;

/// <summary>
/// Which recorded cryptographic checksum a download computes over the bytes it writes (it computes
/// the <see cref="CompositeCrc32C"/> too, always: cheap, but no proof against a forger).
/// </summary>
public enum ChecksumKind
{
    /// <summary><see cref="ChunkedChecksum"/>: every object archived by TierFs has it.</summary>
    ChunkedMd5,

    /// <summary><see cref="CompositeBlake3"/>: a third of MD5's cost; recorded by uploads since it was introduced.</summary>
    CompositeBlake3,
}
