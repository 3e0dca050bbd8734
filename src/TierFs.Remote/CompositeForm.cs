namespace TierFs.Remote;

/// <summary>
/// The shape shared by the composites of cryptographic part digests (<see cref="ChunkedChecksum"/>,
/// <see cref="CompositeBlake3"/>): <c>lowercase hex( H( H(part 1) ‖ … ‖ H(part N) ) ) + "-" + N</c>.
/// </summary>
internal static class CompositeForm
{
    public static string Combine(IReadOnlyList<byte[]> partDigests, int digestSize, Func<ReadOnlySpan<byte>, byte[]> hash, string name)
    {
        ArgumentOutOfRangeException.ThrowIfZero(partDigests.Count);
        var concatenated = new byte[partDigests.Count * digestSize];
        for (var i = 0; i < partDigests.Count; i++)
        {
            var digest = partDigests[i] ?? throw new ArgumentException($"part {i + 1} has no {name}", nameof(partDigests));
            if (digest.Length != digestSize) throw new ArgumentException($"part {i + 1}: a {name} is {digestSize} bytes, not {digest.Length}", nameof(partDigests));
            digest.CopyTo(concatenated, i * digestSize);
        }
        return $"{Convert.ToHexStringLower(hash(concatenated))}-{partDigests.Count}";
    }

    /// <summary>The digest of each part of bytes in memory, cut in parts of <paramref name="partSize"/>.</summary>
    public static byte[][] PartDigests(ReadOnlySpan<byte> data, long partSize, Func<ReadOnlySpan<byte>, byte[]> hash)
    {
        var plan = new PartPlan(data.Length, partSize);
        var digests = new byte[plan.Count][];
        for (var i = 0; i < plan.Count; i++)
            digests[i] = hash(data.Slice((int)plan.OffsetOf(i), (int)plan.LengthOf(i)));
        return digests;
    }
}
