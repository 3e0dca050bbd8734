using TierFs.Remote.Transfer;

namespace TierFs.Remote;

/// <summary>
/// The outcome of an upload. <see cref="Checksum"/> is the <see cref="ChunkedChecksum"/> of the bytes
/// sent, <see cref="Blake3"/> their <see cref="CompositeBlake3"/> and <see cref="Crc32C"/> their
/// <see cref="CompositeCrc32C"/> (record them: a later download must produce the same string of the
/// kind it is asked for); <see cref="Parts"/> the per-part digests, in part order. <see cref="ETag"/>
/// is what the remote returned (unquoted), informative only.
/// </summary>
public sealed record UploadResult(string Checksum, string Blake3, string Crc32C, long PartSize, string? ETag, long Length, IReadOnlyList<PartDigest> Parts);
