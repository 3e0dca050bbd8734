namespace TierFs.Remote;

/// <summary>Which recorded checksum a download computes over the bytes it writes.</summary>
public enum ChecksumKind
{
    /// <summary><see cref="ChunkedChecksum"/>: every object archived by TierFs has it.</summary>
    ChunkedMd5,

    /// <summary><see cref="CompositeCrc32C"/>: much cheaper; recorded by uploads since it was introduced.</summary>
    CompositeCrc32C,
}
