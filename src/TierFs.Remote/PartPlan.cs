namespace TierFs.Remote;

/// <summary>
/// How an object of <see cref="Length"/> bytes is cut into parts of <see cref="PartSize"/> bytes: the
/// last part may be shorter, and an empty object is one empty part. Both transfer directions and the
/// <see cref="ChunkedChecksum"/> use the same cut.
/// </summary>
public readonly record struct PartPlan
{
    public const long MiB = 1024 * 1024;
    public const long DefaultPartSize = 16 * MiB;

    /// <summary>The S3 multipart limit, and so ours for every store.</summary>
    public const int MaxParts = 10_000;

    public long Length { get; }
    public long PartSize { get; }
    public int Count { get; }

    public PartPlan(long length, long partSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfLessThan(partSize, 1);
        var count = length == 0 ? 1 : (length - 1) / partSize + 1;
        if (count > MaxParts)
            throw new ArgumentOutOfRangeException(nameof(partSize), $"{length} bytes in parts of {partSize} makes {count} parts, more than {MaxParts}");
        Length = length;
        PartSize = partSize;
        Count = (int)count;
    }

    /// <summary>The plan for a new upload: the preferred part size, raised if needed to fit in MaxParts.</summary>
    public static PartPlan For(long length, long preferredPartSize) => new(length, ChoosePartSize(length, preferredPartSize));

    /// <summary>
    /// <paramref name="preferred"/>, or, when that would take more than <see cref="MaxParts"/> parts,
    /// the smallest whole number of MiB that does not.
    /// </summary>
    public static long ChoosePartSize(long length, long preferred)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfLessThan(preferred, 1);
        var needed = length == 0 ? 1 : (length - 1) / MaxParts + 1;
        if (needed <= preferred) return preferred;
        return (needed + MiB - 1) / MiB * MiB;
    }

    public long OffsetOf(int index) => index * PartSize;

    public long LengthOf(int index) => Math.Min(PartSize, Length - OffsetOf(index));
}
