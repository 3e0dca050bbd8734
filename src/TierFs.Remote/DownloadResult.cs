using TierFs.Remote.Transfer;

namespace TierFs.Remote;

/// <summary>
/// The outcome of a download: the checksum of the bytes written to the target, of the
/// <see cref="Kind"/> asked for, and their <see cref="CompositeCrc32C"/>, computed with the part size
/// the object was uploaded with. Compare the checksum with the one of that kind recorded at upload
/// before trusting the data (never the CRC alone: a forger can match it). <see cref="Parts"/> are
/// the per-part digests, in part order.
/// </summary>
public sealed record DownloadResult(string Checksum, ChecksumKind Kind, string Crc32C, long Length, long PartSize, IReadOnlyList<PartDigest> Parts);
