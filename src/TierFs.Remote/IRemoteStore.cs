using Microsoft.Win32.SafeHandles;

namespace TierFs.Remote;

/// <summary>
/// The remote tier: a flat namespace of objects under a configured prefix (an S3 bucket/prefix or
/// a directory). It knows nothing of FUSE or of tier states; the tiering layer drives it.
/// Keys are relative to the prefix ("a/b/file.dat"); the store prepends the prefix.
/// Attributes are the S3 attribute contract (see <see cref="ObjectAttributes"/>): set when the
/// object is created, returned byte-identical by <see cref="HeadAsync"/>.
/// Failures are <see cref="RemoteException"/>s (argument errors and local file errors aside) or
/// cancellation. A store is safe to use from many threads at once.
/// </summary>
public interface IRemoteStore : IAsyncDisposable
{
    /// <summary>"s3://bucket/prefix (http://127.0.0.1:4568)" or "directory /srv/archive".</summary>
    string Description { get; }

    /// <summary>Which remote tier this is (<see cref="RemoteStoreOptions.Identity"/>): what a stub record names.</summary>
    string Identity { get; }

    /// <summary>
    /// Reachable, bucket (directory) exists, writable: puts and deletes a probe object.
    /// Otherwise throws <see cref="RemoteConfigurationException"/> naming the endpoint and bucket.
    /// </summary>
    Task CheckAsync(CancellationToken ct);

    /// <summary>
    /// Copies bytes [0, length) of <paramref name="source"/> (read positionally; the handle may be a
    /// borrowed raw fd) to the object <paramref name="key"/>, replacing it. On S3 each part goes with
    /// its Content-MD5, so the server verifies it. Returns the checksums of the bytes sent. An object
    /// of two parts or more gets its <see cref="PartManifest"/> beside it, stored before the object
    /// appears. Progress reports the bytes done so far.
    /// </summary>
    Task<UploadResult> UploadAsync(string key, SafeFileHandle source, long length,
        IReadOnlyDictionary<string, string> attributes, IProgress<long>? progress, CancellationToken ct);

    /// <summary>
    /// Writes the object into bytes [0, length) of <paramref name="target"/> (positionally; the file
    /// is not truncated) and returns the checksum of kind <paramref name="checksum"/> of the bytes
    /// written, for the caller to compare with the one recorded at upload. Writeback of each part
    /// to disk is started as it completes (the caller's fsync has little left). Throws
    /// <see cref="RemoteObjectMissingException"/> if there is no such object and
    /// <see cref="RemoteDataException"/> if its length is not <paramref name="expectedLength"/>.
    /// On failure the target may hold partial data: cleaning it is the caller's job.
    /// </summary>
    Task<DownloadResult> DownloadAsync(string key, SafeFileHandle target, long expectedLength, ChecksumKind checksum,
        IProgress<long>? progress, CancellationToken ct);

    /// <summary>The object's length, attributes, ETag and time, or null when it does not exist.</summary>
    Task<RemoteObjectInfo?> HeadAsync(string key, CancellationToken ct);

    /// <summary>Stores a small metadata record (at most one part) in one request.</summary>
    Task PutRecordAsync(string key, ReadOnlyMemory<byte> body, IReadOnlyDictionary<string, string> attributes, CancellationToken ct);

    /// <summary>Deletes the object and its <see cref="PartManifest"/>; a missing object is not an error.</summary>
    Task DeleteAsync(string key, CancellationToken ct);

    /// <summary>
    /// Objects whose key starts with <paramref name="keyPrefix"/> (a plain string prefix, as in S3),
    /// in the order the remote lists them: key order on AWS, MinIO, Ceph and the directory store,
    /// but not on every test server. Part manifests and the stores' own files are left out.
    /// Without <paramref name="withAttributes"/> an object has its length, time and (S3) ETag only;
    /// with it, also its attributes and part size, as <see cref="HeadAsync"/> gives them (S3 lists no
    /// user metadata: one HEAD per object, a few in flight; an object gone before its HEAD is left out).
    /// </summary>
    IAsyncEnumerable<RemoteObjectInfo> ListAsync(string keyPrefix, bool withAttributes, CancellationToken ct);

    /// <summary>
    /// The objects whose key starts with <paramref name="keyPrefix"/> (as <see cref="ListAsync"/>
    /// without attributes gives them) and the part manifests (see <see cref="PartManifest"/>) of such
    /// objects, each named by the key of the object it belongs to, with the manifest's own length and
    /// time (<see cref="ListedObject.Manifest"/>), in one pass over the remote's listing (a LIST
    /// request costs as much as a HEAD on some servers, and money on AWS). `tierfs verify` compares
    /// the two: a manifest whose object is gone (an upload that failed to clean up) is an orphan.
    /// </summary>
    IAsyncEnumerable<ListedObject> ListWithManifestsAsync(string keyPrefix, CancellationToken ct);

    /// <summary>
    /// Streams bytes [offset, offset + length) of the object to <paramref name="sink"/>, in order, in
    /// chunks that are valid only during each call. The bytes are not verified here: a reader that
    /// must trust them uses <see cref="VerifiedReader"/>. One ranged request on S3 (a body that breaks
    /// off is resumed where it stopped, once). Throws <see cref="RemoteObjectMissingException"/> if
    /// there is no such object and <see cref="RemoteDataException"/> if it ends before offset + length.
    /// A failure of the sink itself passes unchanged.
    /// </summary>
    Task ReadRangeAsync(string key, long offset, long length, RangeSink sink, CancellationToken ct);

    /// <summary>
    /// The bytes of a small object (a metadata record) in one request, or null when it does not exist;
    /// one longer than <paramref name="maxBytes"/> is a <see cref="RemoteDataException"/> (nothing is read).
    /// </summary>
    Task<byte[]?> GetSmallAsync(string key, int maxBytes, CancellationToken ct);

    /// <summary>
    /// The part manifest stored with the object at upload, or null when it has none (one part, or
    /// archived before manifests existed). Not verified: <see cref="PartManifest.Verify"/> binds it to
    /// a record (<see cref="VerifiedReader.OpenAsync"/> does). A malformed one is a <see cref="RemoteDataException"/>.
    /// </summary>
    Task<PartManifest?> ReadManifestAsync(string key, CancellationToken ct);
}

/// <summary>Takes the bytes of a ranged read in order; <paramref name="chunk"/> is the store's buffer, valid only during the call.</summary>
public delegate ValueTask RangeSink(ReadOnlyMemory<byte> chunk, CancellationToken ct);
