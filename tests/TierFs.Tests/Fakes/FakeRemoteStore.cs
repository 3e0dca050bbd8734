using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Win32.SafeHandles;
using TierFs.Remote;
using TierFs.Remote.Transfer;

namespace TierFs.Tests.Fakes;

/// <summary>The remote store's operations, for choosing which ones a fault hits.</summary>
public enum FakeOp { Check, Upload, Download, ReadRange, Head, PutRecord, Delete, List, GetSmall, Manifest }

/// <summary>
/// An in-memory remote tier that behaves as the real stores do (the same part cut, checksums,
/// part manifests, error kinds; a delete takes the manifest along) and injects what real servers
/// reach only slowly: latency, a failure after N bytes, corrupt stored bytes, a call that hangs until
/// cancelled or until its request timeout (as the S3 store's idle deadline ends it), missing and
/// replaced objects, a failure of any call. Counts what was asked of it. Thread-safe.
/// </summary>
public sealed class FakeRemoteStore : IRemoteStore
{
    private const int Chunk = 16 * 1024;

    private sealed record Stored(byte[] Data, IReadOnlyDictionary<string, string> Attributes, string ETag, long? PartSize, DateTimeOffset Modified);

    private readonly ConcurrentDictionary<string, Stored> _objects = new(StringComparer.Ordinal);
    private int _downloads, _uploads, _reads, _heads, _lists, _hangsCancelled;

    public string Identity { get; init; } = "fake://tier/east/";

    public string Description => $"fake remote {Identity}";

    /// <summary>The part size of uploads (as a store's configured one).</summary>
    public long PartSize { get; init; } = 64 * 1024;

    /// <summary>How long a hanging call waits before it fails as unavailable (the S3 store's request timeout).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Added to every call.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Calls that hang until cancelled or <see cref="RequestTimeout"/>.</summary>
    public Func<FakeOp, string, bool> Hang { get; set; } = (_, _) => false;

    /// <summary>An exception a call throws at once (null: none).</summary>
    public Func<FakeOp, string, Exception?> Fail { get; set; } = (_, _) => null;

    /// <summary>Downloads and ranged reads break off (unavailable) after this many bytes of one call.</summary>
    public long? FailAfterBytes { get; set; }

    /// <summary>Objects the listings leave out (listed before they came, as a page listed earlier would), while a HEAD sees them.</summary>
    public Func<string, bool> ListOmits { get; set; } = _ => false;

    /// <summary>Awaited by each download once it has started (hold downloads to make callers meet).</summary>
    public Func<string, Task>? DownloadStarted { get; set; }

    /// <summary>Awaited by each ranged read (key, offset) once it has started (hold one part of a fetch).</summary>
    public Func<string, long, Task>? RangeStarted { get; set; }

    /// <summary>Awaited by a ranged read before each chunk it sends (key, the chunk's offset in the object): hold a part midway.</summary>
    public Func<string, long, Task>? ChunkSending { get; set; }

    /// <summary>Awaited by each upload after it read the source, before the object is stored (change the file meanwhile).</summary>
    public Func<string, Task>? UploadRead { get; set; }

    public int Downloads => Volatile.Read(ref _downloads);
    public int Uploads => Volatile.Read(ref _uploads);
    public int RangeReads => Volatile.Read(ref _reads);
    public int Heads => Volatile.Read(ref _heads);
    /// <summary>Listings started (each one call, however many objects it gives).</summary>
    public int Lists => Volatile.Read(ref _lists);
    /// <summary>Hanging calls that ended because their caller cancelled.</summary>
    public int HangsCancelled => Volatile.Read(ref _hangsCancelled);

    public ConcurrentQueue<string> UploadedKeys { get; } = new();
    public ConcurrentQueue<string> DeletedKeys { get; } = new();

    // ---- what a test does to the remote tier ----

    /// <summary>Every key held, the stores' own (manifests) included, in key order.</summary>
    public IReadOnlyList<string> AllKeys => _objects.Keys.Order(StringComparer.Ordinal).ToList();

    public bool Has(string key) => _objects.ContainsKey(key);

    public byte[] Data(string key) => _objects[key].Data;

    /// <summary>Flips a bit of the stored object (the storage went bad; its ETag is unchanged).</summary>
    public void CorruptStored(string key, long at) => _objects[key].Data[at] ^= 0x40;

    /// <summary>The object is gone (returns it, to put back with <see cref="Restore"/>).</summary>
    public object Remove(string key) => _objects.TryRemove(key, out var o) ? o : throw new KeyNotFoundException(key);

    public void Restore(string key, object removed) => _objects[key] = (Stored)removed;

    /// <summary>Someone wrote other bytes under the key (a new ETag; attributes and part size kept).</summary>
    public void Replace(string key, byte[] data) =>
        _objects.AddOrUpdate(key, _ => throw new KeyNotFoundException(key), (_, o) => o with { Data = data, ETag = NewETag(), Modified = DateTimeOffset.UtcNow });

    // ---- IRemoteStore ----

    public async Task CheckAsync(CancellationToken ct) => await Enter(FakeOp.Check, "", ct);

    public async Task<UploadResult> UploadAsync(string key, SafeFileHandle source, long length, IReadOnlyDictionary<string, string> attributes,
        IProgress<long>? progress, CancellationToken ct)
    {
        RemoteKey.Validate(key);
        ObjectAttributes.Validate(attributes);
        Interlocked.Increment(ref _uploads);
        await Enter(FakeOp.Upload, key, ct);
        var data = new byte[length];
        for (var done = 0; done < length;)
        {
            var n = await RandomAccess.ReadAsync(source, data.AsMemory(done), done, ct);
            if (n == 0) throw new IOException($"the source file ended at byte {done}, before the {length} bytes to send (did it shrink?)");
            done += n;
        }
        if (UploadRead is { } read) await read(key);
        var plan = PartPlan.For(length, PartSize);
        var digests = new PartDigests(plan.Count);
        for (var i = 0; i < plan.Count; i++) digests.Set(i, PartDigest.Of(data.AsSpan((int)plan.OffsetOf(i), (int)plan.LengthOf(i)), PartDigest.HasLead(plan, i)));
        if (PartManifest.IsWrittenFor(plan))
            _objects[PartManifest.KeyFor(key)] = new Stored(PartManifest.FromDigests(plan, digests.Parts).ToBytes(), ObjectAttributes.None, NewETag(), null, DateTimeOffset.UtcNow);
        var etag = NewETag();
        _objects[key] = new Stored(data, new Dictionary<string, string>(attributes), etag, plan.PartSize, DateTimeOffset.UtcNow);
        UploadedKeys.Enqueue(key);
        progress?.Report(length);
        return digests.Uploaded(plan.PartSize, etag, length);
    }

    public async Task<DownloadResult> DownloadAsync(string key, SafeFileHandle target, long expectedLength, ChecksumKind checksum,
        IProgress<long>? progress, CancellationToken ct)
    {
        RemoteKey.Validate(key);
        Interlocked.Increment(ref _downloads);
        var atOnce = Interlocked.Increment(ref _downloading);
        for (var most = Volatile.Read(ref _mostDownloading); atOnce > most; most = Volatile.Read(ref _mostDownloading))
            if (Interlocked.CompareExchange(ref _mostDownloading, atOnce, most) == most) break;
        try { return await DownloadUnderwayAsync(key, target, expectedLength, checksum, progress, ct); }
        finally { Interlocked.Decrement(ref _downloading); }
    }

    /// <summary>The most downloads that were under way at once.</summary>
    public int MostDownloadsAtOnce => Volatile.Read(ref _mostDownloading);

    private int _downloading, _mostDownloading;

    private async Task<DownloadResult> DownloadUnderwayAsync(string key, SafeFileHandle target, long expectedLength, ChecksumKind checksum,
        IProgress<long>? progress, CancellationToken ct)
    {
        await Enter(FakeOp.Download, key, ct);
        if (DownloadStarted is { } started) await started(key).WaitAsync(ct);
        var o = Object(key, "download");
        if (o.Data.Length != expectedLength)
            throw new RemoteDataException($"{Description}: download '{key}': the object has {o.Data.Length} bytes, expected {expectedLength}");
        var plan = new PartPlan(o.Data.Length, o.PartSize ?? PartSize);
        var digests = new PartDigests(plan.Count);
        if (plan.Length == 0) digests.Set(0, PartDigest.Of([]));
        // One stream over the whole object (so that FailAfterBytes counts the call), cut into parts as it arrives.
        long at = 0;
        var part = 0;
        var hash = PartHash.For(checksum);
        try
        {
            await Serve(key, o.Data, 0, o.Data.Length, (chunk, _) =>
            {
                var span = chunk.Span;
                while (span.Length > 0)
                {
                    var partEnd = plan.OffsetOf(part) + plan.LengthOf(part);
                    var n = (int)Math.Min(span.Length, partEnd - at);
                    hash.Append(span[..n]);
                    RandomAccess.Write(target, span[..n], at);
                    at += n;
                    span = span[n..];
                    if (at < partEnd) continue;
                    digests.Set(part++, hash.Finish());
                    hash.Dispose();
                    hash = PartHash.For(checksum);
                }
                progress?.Report(at);
                return ValueTask.CompletedTask;
            }, ct);
        }
        finally
        {
            hash.Dispose();
        }
        return digests.Downloaded(checksum, plan.Length, plan.PartSize);
    }

    public async Task ReadRangeAsync(string key, long offset, long length, RangeSink sink, CancellationToken ct)
    {
        RemoteKey.Validate(key);
        Interlocked.Increment(ref _reads);
        await Enter(FakeOp.ReadRange, key, ct);
        if (RangeStarted is { } started) await started(key, offset).WaitAsync(ct);
        var o = Object(key, "read");
        if (offset + length > o.Data.Length)
            throw new RemoteDataException($"{Description}: read '{key}': bytes {offset}..{offset + length} asked for, the object has {o.Data.Length}");
        await Serve(key, o.Data, offset, length, sink, ct);
    }

    public async Task<RemoteObjectInfo?> HeadAsync(string key, CancellationToken ct)
    {
        RemoteKey.Validate(key);
        Interlocked.Increment(ref _heads);
        await Enter(FakeOp.Head, key, ct);
        return _objects.TryGetValue(key, out var o) ? Info(key, o) : null;
    }

    public async Task PutRecordAsync(string key, ReadOnlyMemory<byte> body, IReadOnlyDictionary<string, string> attributes, CancellationToken ct)
    {
        RemoteKey.Validate(key);
        ObjectAttributes.Validate(attributes);
        await Enter(FakeOp.PutRecord, key, ct);
        _objects[key] = new Stored(body.ToArray(), new Dictionary<string, string>(attributes), NewETag(), null, DateTimeOffset.UtcNow);
    }

    public async Task DeleteAsync(string key, CancellationToken ct)
    {
        RemoteKey.Validate(key);
        await Enter(FakeOp.Delete, key, ct);
        if (_objects.TryRemove(key, out _)) DeletedKeys.Enqueue(key);
        if (_objects.TryRemove(PartManifest.KeyFor(key), out _)) DeletedKeys.Enqueue(PartManifest.KeyFor(key));
    }

    public async IAsyncEnumerable<RemoteObjectInfo> ListAsync(string keyPrefix, bool withAttributes, [EnumeratorCancellation] CancellationToken ct)
    {
        RemoteKey.ValidateListPrefix(keyPrefix);
        Interlocked.Increment(ref _lists);
        await Enter(FakeOp.List, keyPrefix, ct);
        foreach (var key in AllKeys.Where(k => k.StartsWith(keyPrefix, StringComparison.Ordinal) && !RemoteKey.IsReserved(k) && !ListOmits(k)))
        {
            if (!_objects.TryGetValue(key, out var o)) continue;
            var info = Info(key, o);
            yield return withAttributes ? info : info with { Attributes = ObjectAttributes.None, PartSize = null };
        }
    }

    public async IAsyncEnumerable<ListedObject> ListWithManifestsAsync(string keyPrefix, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var o in ListAsync(keyPrefix, false, ct)) yield return new ListedObject(o, false);
        foreach (var key in AllKeys)
            if (PartManifest.DataKeyOf(key) is { } data && data.StartsWith(keyPrefix, StringComparison.Ordinal) && _objects.TryGetValue(key, out var o))
                yield return new ListedObject(Info(key, o) with { Key = data, Attributes = ObjectAttributes.None, PartSize = null }, true);
    }

    public async Task<byte[]?> GetSmallAsync(string key, int maxBytes, CancellationToken ct)
    {
        RemoteKey.Validate(key);
        await Enter(FakeOp.GetSmall, key, ct);
        if (!_objects.TryGetValue(key, out var o)) return null;
        if (o.Data.Length > maxBytes) throw new RemoteDataException($"{Description}: get '{key}': the object has {o.Data.Length} bytes, more than the {maxBytes} expected");
        return (byte[])o.Data.Clone();
    }

    public async Task<PartManifest?> ReadManifestAsync(string key, CancellationToken ct)
    {
        RemoteKey.Validate(key);
        await Enter(FakeOp.Manifest, key, ct);
        return _objects.TryGetValue(PartManifest.KeyFor(key), out var o) ? PartManifest.Parse(o.Data, $"{Description}: part manifest of '{key}'") : null;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    // ---- faults ----

    private async Task Enter(FakeOp op, string key, CancellationToken ct)
    {
        if (Latency > TimeSpan.Zero) await Task.Delay(Latency, ct);
        if (Hang(op, key))
        {
            try
            {
                await Task.Delay(RequestTimeout, ct);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref _hangsCancelled);
                throw;
            }
            throw new RemoteUnavailableException($"{Description}: {op} '{key}': no answer or no progress for {RequestTimeout.TotalSeconds:0.###} s");
        }
        if (Fail(op, key) is { } e) throw e;
    }

    /// <summary>Hands bytes [offset, offset + length) to the sink in chunks, breaking off after <see cref="FailAfterBytes"/> of this call.</summary>
    private async Task Serve(string key, byte[] data, long offset, long length, RangeSink sink, CancellationToken ct)
    {
        for (long done = 0; done < length;)
        {
            ct.ThrowIfCancellationRequested();
            var n = (int)Math.Min(Chunk, length - done);
            if (FailAfterBytes is { } limit && done + n > limit)
            {
                if (limit > done) await sink(data.AsMemory((int)(offset + done), (int)(limit - done)), ct);
                throw new RemoteUnavailableException($"{Description}: read '{key}': the connection broke after {limit} bytes", new IOException("connection reset"));
            }
            if (ChunkSending is { } sending) await sending(key, offset + done).WaitAsync(ct);
            await sink(data.AsMemory((int)(offset + done), n), ct);
            done += n;
        }
    }

    private Stored Object(string key, string op) =>
        _objects.TryGetValue(key, out var o) ? o : throw new RemoteObjectMissingException($"{Description}: {op} '{key}': no such object");

    private static RemoteObjectInfo Info(string key, Stored o) => new(key, o.Data.Length, o.Attributes, o.ETag, o.Modified, o.PartSize);

    private static string NewETag() => Guid.NewGuid().ToString("N");
}
