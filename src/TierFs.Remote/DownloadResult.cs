namespace TierFs.Remote;

/// <summary>
/// The outcome of a download: the <see cref="ChunkedChecksum"/> of the bytes written to the target,
/// computed with the part size the object was uploaded with. Compare it with the checksum recorded
/// at upload before trusting the data.
/// </summary>
public sealed record DownloadResult(string Checksum, long Length, long PartSize);
