using Microsoft.Win32.SafeHandles;
using TierFs.Remote.Transfer;

namespace TierFs.Remote;

/// <summary>
/// Ranged reads of an archived object whose every part is verified on its own before the call
/// returns: a part is accepted only if its BLAKE3 (and CRC32C) is its entry in the object's
/// <see cref="PartManifest"/>, and the manifest only if it combines to the digest the stub recorded
/// (<see cref="ObjectDigest"/>); a single-part object is checked against that digest directly. What
/// streaming recall (a reader served part by part, <see cref="PartFetch"/>) and a read-only view of
/// the remote tier need: the stub's digest is the only thing trusted, the remote tier's bytes never.
/// </summary>
public sealed class VerifiedReader
{
    /// <summary>Parts fetched at once by one <see cref="ReadAsync"/> spanning several.</summary>
    private const int ReadConcurrency = 4;

    private readonly IRemoteStore _store;
    private readonly PartManifest? _manifest;

    private VerifiedReader(IRemoteStore store, string key, ObjectDigest expected, PartManifest? manifest)
    {
        _store = store;
        Key = key;
        Expected = expected;
        _manifest = manifest;
    }

    public string Key { get; }

    public ObjectDigest Expected { get; }

    public PartPlan Plan => Expected.Plan;

    /// <summary>The first part's finer cut, bound to the record with the manifest; null when the object has none.</summary>
    public LeadTree? Lead => _manifest?.Lead;

    /// <summary>Whether part <paramref name="index"/> is verified leaf by leaf as it lands (the first part, when the object has a <see cref="Lead"/> tree).</summary>
    public bool HasLeaves(int index) => index == 0 && Lead is not null;

    /// <summary>
    /// A reader of <paramref name="key"/> bound to <paramref name="expected"/>. Fetches the manifest of
    /// an object of two parts or more and verifies it (a forged or stale one is a
    /// <see cref="RemoteDataException"/>); null when there is none (archived before manifests, or the
    /// manifest is gone): the caller falls back to a whole-object download verified by the digest.
    /// </summary>
    public static async Task<VerifiedReader?> OpenAsync(IRemoteStore store, string key, ObjectDigest expected, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(expected);
        if (!PartManifest.IsWrittenFor(expected.Plan)) return new VerifiedReader(store, key, expected, null);
        var manifest = await store.ReadManifestAsync(key, ct).ConfigureAwait(false);
        if (manifest is null) return null;
        manifest.Verify(expected, $"{store.Description}: '{key}'");
        return new VerifiedReader(store, key, expected, manifest);
    }

    /// <summary>The part that holds byte <paramref name="offset"/>.</summary>
    public int PartOf(long offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(offset, Math.Max(Plan.Length, 1));
        return (int)(offset / Plan.PartSize);
    }

    /// <summary>
    /// Part <paramref name="index"/> into <paramref name="into"/> (exactly the part's length), verified.
    /// On failure <paramref name="into"/> is cleared: no unverified byte is left for a reader.
    /// </summary>
    public async Task ReadPartAsync(int index, Memory<byte> into, CancellationToken ct)
    {
        var length = CheckPart(index, into.Length);
        var done = 0;
        try
        {
            await ReadVerifiedAsync(index, (chunk, _) =>
            {
                if (chunk.Length > length - done) throw new RemoteDataException($"{Where(index)}: more bytes than the part has");
                chunk.CopyTo(into[done..]);
                done += chunk.Length;
                return ValueTask.CompletedTask;
            }, ct).ConfigureAwait(false);
        }
        catch
        {
            into.Span.Clear();
            throw;
        }
    }

    /// <summary>
    /// Part <paramref name="index"/> into <paramref name="target"/> at <paramref name="targetOffset"/>
    /// (positionally), verified, its writeback started. On failure the range may hold unverified
    /// bytes: the caller must not serve them (nor would it: it learns of the part only on success).
    /// <paramref name="pace"/>, when given, is awaited before each chunk is taken: a caller slows this
    /// transfer down (TCP flow control holds the server) while a more urgent one runs.
    /// <paramref name="verifiedThrough"/>, when given, is told of each prefix of the part that is in
    /// the target and verified before the whole part is: the leaves of the first part's
    /// <see cref="Lead"/> tree, each checked against its CV as it completes (a leaf that fails it fails
    /// the part).
    /// </summary>
    public async Task ReadPartAsync(int index, SafeFileHandle target, long targetOffset, CancellationToken ct,
        Func<CancellationToken, ValueTask>? pace = null, Action<long>? verifiedThrough = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentOutOfRangeException.ThrowIfNegative(targetOffset);
        var length = CheckPart(index, null);
        long done = 0;
        using var leaves = verifiedThrough is not null && HasLeaves(index) && Lead is { } lead
            ? new LeafCutter(lead.PartLength, lead.LeafSize, (k, bytes) =>
            {
                if (!lead.IsLeaf(k, bytes))
                    throw new RemoteDataException($"{Where(index)}: bytes {k * lead.LeafSize}..{k * lead.LeafSize + bytes.Length} are not the leaf archived");
                verifiedThrough(k * lead.LeafSize + bytes.Length);
            })
            : null;
        await ReadVerifiedAsync(index, async (chunk, token) =>
        {
            if (pace is not null) await pace(token).ConfigureAwait(false);
            if (chunk.Length > length - done) throw new RemoteDataException($"{Where(index)}: more bytes than the part has");
            await RandomAccess.WriteAsync(target, chunk, targetOffset + done, token).ConfigureAwait(false);
            done += chunk.Length;
            leaves?.Append(chunk.Span); // after the write: a leaf is told of once its bytes are in the file
        }, ct, leaves).ConfigureAwait(false);
        Writeback.Start(target, targetOffset, length);
    }

    /// <summary>
    /// Bytes [offset, offset + into.Length) of the object, every part they touch fetched whole and
    /// verified (a part cannot be checked in pieces), a few at once. On failure <paramref name="into"/> is cleared.
    /// </summary>
    public async Task ReadAsync(long offset, Memory<byte> into, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset + into.Length > Plan.Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"bytes {offset}..{offset + into.Length} of an object of {Plan.Length}");
        if (into.Length == 0) return;
        var first = PartOf(offset);
        var last = PartOf(offset + into.Length - 1);
        try
        {
            await PartRunner.RunAsync(last - first + 1, ReadConcurrency, async (k, token) =>
            {
                var i = first + k;
                var (partStart, partLength) = (Plan.OffsetOf(i), Plan.LengthOf(i));
                var from = Math.Max(offset, partStart);
                var to = Math.Min(offset + into.Length, partStart + partLength);
                var slice = into.Slice((int)(from - offset), (int)(to - from));
                if (slice.Length == partLength)
                {
                    await ReadPartAsync(i, slice, token).ConfigureAwait(false);
                    return;
                }
                // Only part of it is wanted: the whole part is fetched (and dropped after), to be verified.
                var whole = GC.AllocateUninitializedArray<byte>((int)partLength);
                await ReadPartAsync(i, whole, token).ConfigureAwait(false);
                whole.AsMemory((int)(from - partStart), slice.Length).CopyTo(slice);
            }, ct).ConfigureAwait(false);
        }
        catch
        {
            into.Span.Clear();
            throw;
        }
    }

    private long CheckPart(int index, int? bufferLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Plan.Count);
        var length = Plan.LengthOf(index);
        if (bufferLength is { } n && n != length)
            throw new ArgumentException($"part {index + 1} has {length} bytes, the buffer {n}", "into");
        return length;
    }

    /// <summary>
    /// Streams part <paramref name="index"/> through <paramref name="sink"/>, hashing it, and refuses it
    /// unless it is the recorded part. With <paramref name="leaves"/> (the sink feeds them), each leaf
    /// is checked against the lead tree, whose merge to the part's BLAKE3 was checked with the
    /// manifest: all of them verified prove the part, and its BLAKE3 is not computed a second time.
    /// </summary>
    private async Task ReadVerifiedAsync(int index, RangeSink sink, CancellationToken ct, LeafCutter? leaves = null)
    {
        var length = Plan.LengthOf(index);
        using var hash = leaves is null ? PartHash.For(ChecksumKind.CompositeBlake3) : PartHash.CrcOnly();
        long received = 0;
        await _store.ReadRangeAsync(Key, Plan.OffsetOf(index), length, async (chunk, token) =>
        {
            hash.Append(chunk.Span);
            received += chunk.Length;
            await sink(chunk, token).ConfigureAwait(false);
        }, ct).ConfigureAwait(false);
        if (received != length) throw new RemoteDataException($"{Where(index)}: {received} bytes arrived, the part has {length}");
        if (leaves is { IsComplete: false }) throw new RemoteDataException($"{Where(index)}: not every leaf of the part was verified");
        Accept(index, hash.Finish(), byLeaves: leaves is not null);
    }

    private void Accept(int index, PartDigest got, bool byLeaves)
    {
        if (_manifest is null)
        {
            // One part: its BLAKE3 is the only leaf of the recorded tree.
            var root = CompositeBlake3.Combine([got.Blake3!]);
            if (root != Expected.Blake3)
                throw new RemoteDataException($"{Where(index)}: checksum mismatch: the object has {root}, the file was archived as {Expected.Blake3}");
            return;
        }
        // The CRC first: cheap, and it catches plain corruption with a clearer word; the BLAKE3 is the proof.
        if (got.Crc32C != _manifest.Crc32COf(index))
            throw new RemoteDataException($"{Where(index)}: CRC32C {got.Crc32C:x8}, the part was archived with {_manifest.Crc32COf(index):x8}");
        if (byLeaves) return;
        if (got.Blake3 is null || !_manifest.Blake3Of(index).SequenceEqual(got.Blake3))
            throw new RemoteDataException($"{Where(index)}: BLAKE3 {Convert.ToHexStringLower(got.Blake3!)}, the part was archived as {Convert.ToHexStringLower(_manifest.Blake3Of(index))}");
    }

    private string Where(int index) =>
        $"{_store.Description}: '{Key}' part {index + 1}/{Plan.Count} (bytes {Plan.OffsetOf(index)}..{Plan.OffsetOf(index) + Plan.LengthOf(index)})";
}
