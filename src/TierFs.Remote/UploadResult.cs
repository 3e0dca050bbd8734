namespace TierFs.Remote;

/// <summary>
/// The outcome of an upload. <see cref="Checksum"/> is the <see cref="ChunkedChecksum"/> of the bytes
/// sent (record it: a later download must produce the same string); <see cref="ETag"/> is what the
/// remote returned (unquoted), informative only.
/// </summary>
public sealed record UploadResult(string Checksum, long PartSize, string? ETag, long Length);
