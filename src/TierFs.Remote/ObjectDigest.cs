namespace TierFs.Remote;

/// <summary>
/// What a stub records of its archived object, the anchor every verified read is checked against:
/// its length and part cut, its <see cref="CompositeBlake3"/> ("b3") and, when recorded, its
/// <see cref="CompositeCrc32C"/> ("crc"). It must come from where a forger cannot write (the stub's
/// trusted.* xattr), never from the remote tier.
/// </summary>
public sealed record ObjectDigest
{
    public ObjectDigest(long length, long partSize, string blake3, string? crc32C = null)
    {
        Plan = new PartPlan(length, partSize);
        ArgumentException.ThrowIfNullOrEmpty(blake3);
        if (!blake3.EndsWith($"-{Plan.Count}", StringComparison.Ordinal))
            throw new ArgumentException($"the digest {blake3} is not of {Plan.Count} parts ({length} bytes in parts of {partSize})", nameof(blake3));
        Blake3 = blake3;
        Crc32C = crc32C;
    }

    public PartPlan Plan { get; }
    public long Length => Plan.Length;
    public long PartSize => Plan.PartSize;
    public string Blake3 { get; }
    public string? Crc32C { get; }
}
