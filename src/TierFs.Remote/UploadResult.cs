namespace TierFs.Remote;

/// <summary>
/// The outcome of an upload. <see cref="Checksum"/> is the <see cref="ChunkedChecksum"/> of the bytes
/// sent and <see cref="Crc32C"/> their <see cref="CompositeCrc32C"/> (record both: a later download
/// must produce the same string of the kind it is asked for); <see cref="ETag"/> is what the remote
/// returned (unquoted), informative only.
/// </summary>
public sealed record UploadResult(string Checksum, string Crc32C, long PartSize, string? ETag, long Length);
