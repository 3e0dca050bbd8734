namespace TierFs.Remote;

/// <summary>
/// The outcome of a download: the checksum of the bytes written to the target, of the
/// <see cref="Kind"/> asked for, computed with the part size the object was uploaded with. Compare it
/// with the checksum of that kind recorded at upload before trusting the data.
/// </summary>
public sealed record DownloadResult(string Checksum, ChecksumKind Kind, long Length, long PartSize);
