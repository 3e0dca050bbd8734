namespace TierFs.Remote;

/// <summary>
/// What the remote tier says about one object. <see cref="Attributes"/> are the user attributes
/// exactly as given at upload (empty in listings without attributes); <see cref="PartSize"/> is the
/// part size the object was uploaded with, when TierFs uploaded it (null otherwise, and in listings
/// without attributes). <see cref="ETag"/> is unquoted, informative only; the directory store gives
/// its chunked checksum from HeadAsync (and listings with attributes), null in plain listings.
/// </summary>
public sealed record RemoteObjectInfo(
    string Key,
    long Length,
    IReadOnlyDictionary<string, string> Attributes,
    string? ETag,
    DateTimeOffset LastModified,
    long? PartSize);
