using System.Buffers;
using Microsoft.Win32.SafeHandles;
using TierFs.Common;
using TierFs.Remote.Transfer;

namespace TierFs.Remote;

/// <summary>
/// A plain directory as the remote tier (the embedded default for one machine and demos): object
/// KEY is the file Path/Prefix/KEY, its attributes a sidecar JSON next to it (see
/// <see cref="AtomicFiles"/>), with the same checksum, part cut and error kinds as S3.
/// One writer per key at a time, as with the tiering layer's use of S3.
/// </summary>
internal sealed class DirectoryRemoteStore : IRemoteStore
{
    private const string LogSource = "remote";

    private readonly DirectoryStoreOptions _options;
    private readonly string _root;
    private readonly string _base;

    public DirectoryRemoteStore(DirectoryStoreOptions options)
    {
        options.Validate();
        _options = options;
        _root = Path.GetFullPath(options.Path);
        var prefix = RemoteKey.NormalizePrefix(options.Prefix);
        _base = prefix.Length == 0 ? _root : Path.Combine(_root, prefix.TrimEnd('/'));
        Description = $"directory {_base}";
    }

    public string Description { get; }

    public string Identity => _options.Identity;

    public Task CheckAsync(CancellationToken ct)
    {
        if (!Directory.Exists(_root))
            throw new RemoteConfigurationException($"{Description}: the directory {_root} does not exist");
        WarnIfShared(_root);
        try
        {
            PrivateModes.CreateDirectory(_base);
            if (_base != _root) WarnIfShared(_base);
            var probe = AtomicFiles.TempPath(_base);
            AtomicFiles.WriteDurably(probe, "TierFs write probe\n"u8);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RemoteConfigurationException($"{Description}: not writable: {e.Message}", e);
        }
        Log.Info(LogSource, $"{Description}: reachable and writable");
        return Task.CompletedTask;
    }

    public async Task<UploadResult> UploadAsync(string key, SafeFileHandle source, long length,
        IReadOnlyDictionary<string, string> attributes, IProgress<long>? progress, CancellationToken ct)
    {
        var path = ObjectPath(key);
        ObjectAttributes.Validate(attributes);
        ArgumentNullException.ThrowIfNull(source);
        var plan = PartPlan.For(length, _options.PartSize);
        var counter = new ProgressCounter(progress);
        var directory = CreateParent(key, path);
        var temp = AtomicFiles.TempPath(directory);
        try
        {
            var digests = new PartDigests(plan.Count);
            using (var data = AtomicFiles.CreateTemp(temp))
            {
                if (length == 0)
                    digests.Set(0, PartDigest.Of([]));
                else
                    await PartRunner.RunAsync(plan.Count, _options.Concurrency, async (i, token) =>
                        digests.Set(i, await FileRanges.CopyAndHashAsync(source, data, plan.OffsetOf(i), plan.LengthOf(i), PartHash.All(PartDigest.HasLead(plan, i) ? plan.LengthOf(i) : null), counter.Add, token)), ct);
                RandomAccess.FlushToDisk(data);
            }
            var checksum = digests.Md5Checksum;
            var manifest = PartManifest.IsWrittenFor(plan) ? PartManifest.FromDigests(plan, digests.Parts) : null;
            ManifestFiles.Store(path, manifest);
            try
            {
                AtomicFiles.Commit(path, temp, new Sidecar(length, plan.PartSize, checksum, new(attributes, StringComparer.Ordinal)));
            }
            catch
            {
                if (manifest is not null) AtomicFiles.DeleteQuietly(ManifestFiles.PathFor(path));
                throw;
            }
            Log.Debug(LogSource, $"{Description}: stored '{key}', {length} bytes, checksum {checksum}");
            return digests.Uploaded(plan.PartSize, checksum, length);
        }
        finally
        {
            AtomicFiles.DeleteQuietly(temp);
        }
    }

    public async Task<DownloadResult> DownloadAsync(string key, SafeFileHandle target, long expectedLength, ChecksumKind checksum,
        IProgress<long>? progress, CancellationToken ct)
    {
        var path = ObjectPath(key);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedLength);
        using var data = OpenObject(key, path)
            ?? throw new RemoteObjectMissingException($"{Description}: download '{key}': no such object");
        var length = RandomAccess.GetLength(data);
        if (length != expectedLength)
            throw new RemoteDataException($"{Description}: download '{key}': the object has {length} bytes, expected {expectedLength}");
        var partSize = Sidecar.Read(path)?.PartSize ?? PartPlan.ChoosePartSize(length, _options.PartSize);
        if (PartPlan.ChoosePartSize(length, partSize) != partSize)
            throw new RemoteDataException($"{Description}: download '{key}': the recorded part size {partSize} does not fit {length} bytes");
        var plan = new PartPlan(length, partSize);
        var counter = new ProgressCounter(progress);
        var digests = new PartDigests(plan.Count);
        if (length == 0)
            digests.Set(0, PartDigest.Of([]));
        else
            await PartRunner.RunAsync(plan.Count, _options.Concurrency, async (i, token) =>
                digests.Set(i, await FileRanges.CopyAndHashAsync(data, target, plan.OffsetOf(i), plan.LengthOf(i), PartHash.For(checksum), counter.Add, token)), ct);
        return digests.Downloaded(checksum, length, plan.PartSize);
    }

    public Task<RemoteObjectInfo?> HeadAsync(string key, CancellationToken ct) => Task.FromResult(Head(key, ObjectPath(key)));

    private static RemoteObjectInfo? Head(string key, string path)
    {
        var file = new FileInfo(path);
        if (!file.Exists) return null;
        var sidecar = Sidecar.Read(path);
        return new RemoteObjectInfo(key, file.Length, sidecar?.Attributes ?? ObjectAttributes.None, sidecar?.Checksum, file.LastWriteTimeUtc, sidecar?.PartSize);
    }

    public Task PutRecordAsync(string key, ReadOnlyMemory<byte> body, IReadOnlyDictionary<string, string> attributes, CancellationToken ct)
    {
        var path = ObjectPath(key);
        ObjectAttributes.Validate(attributes);
        if (body.Length > _options.PartSize)
            throw new ArgumentException($"a record is at most one part ({_options.PartSize} bytes), not {body.Length}", nameof(body));
        var temp = AtomicFiles.TempPath(CreateParent(key, path));
        try
        {
            AtomicFiles.WriteDurably(temp, body.Span);
            var checksum = ChunkedChecksum.Compute(body.Span, PartPlan.ChoosePartSize(body.Length, _options.PartSize));
            AtomicFiles.Commit(path, temp, new Sidecar(body.Length, null, checksum, new(attributes, StringComparer.Ordinal)));
        }
        finally
        {
            AtomicFiles.DeleteQuietly(temp);
        }
        return Task.CompletedTask;
    }

    public Task DeleteAsync(string key, CancellationToken ct)
    {
        var path = ObjectPath(key);
        if (Directory.Exists(path)) return Task.CompletedTask; // a "directory" of other keys is no object
        try
        {
            File.Delete(path);
            File.Delete(Sidecar.PathFor(path));
            File.Delete(ManifestFiles.PathFor(path));
        }
        catch (DirectoryNotFoundException)
        {
            return Task.CompletedTask;
        }
        PruneEmptyParents(Path.GetDirectoryName(path)!);
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<RemoteObjectInfo> ListAsync(string keyPrefix, bool withAttributes, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        RemoteKey.ValidateListPrefix(keyPrefix);
        await Task.Yield();
        var slash = keyPrefix.LastIndexOf('/');
        var startKey = slash < 0 ? "" : keyPrefix[..(slash + 1)];
        var start = startKey.Length == 0 ? _base : Path.Combine(_base, startKey.TrimEnd('/'));
        if (startKey.Split('/').Any(s => s is "." or "..")) yield break;
        foreach (var info in SortedTree.Files(start, startKey, keyPrefix, manifests: false))
        {
            ct.ThrowIfCancellationRequested();
            if (!withAttributes) yield return info;
            // Gone since it was listed: left out, as on S3.
            else if (Head(info.Key, Path.Combine(_base, info.Key)) is { } full) yield return full;
        }
    }

    // Two walks of the local tree (objects, then manifests): no request to save here.
    public async IAsyncEnumerable<ListedObject> ListWithManifestsAsync(string keyPrefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var o in ListAsync(keyPrefix, false, ct)) yield return new ListedObject(o, false);
        var slash = keyPrefix.LastIndexOf('/');
        var startKey = slash < 0 ? "" : keyPrefix[..(slash + 1)];
        if (startKey.Split('/').Any(s => s is "." or "..")) yield break;
        foreach (var info in SortedTree.Files(startKey.Length == 0 ? _base : Path.Combine(_base, startKey.TrimEnd('/')), startKey, keyPrefix, manifests: true))
        {
            ct.ThrowIfCancellationRequested();
            yield return new ListedObject(info, true);
        }
    }

    public async Task ReadRangeAsync(string key, long offset, long length, RangeSink sink, CancellationToken ct)
    {
        var path = ObjectPath(key);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        using var data = OpenObject(key, path)
            ?? throw new RemoteObjectMissingException($"{Description}: read '{key}': no such object");
        var size = RandomAccess.GetLength(data);
        if (offset + length > size)
            throw new RemoteDataException($"{Description}: read '{key}': bytes {offset}..{offset + length} asked for, the object has {size}");
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(length, 1, FileRanges.ChunkSize));
        try
        {
            for (long done = 0; done < length;)
            {
                var n = await RandomAccess.ReadAsync(data, buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - done)), offset + done, ct);
                if (n == 0) throw new RemoteDataException($"{Description}: read '{key}': the object ended at byte {offset + done} (it shrank)");
                await sink(buffer.AsMemory(0, n), ct);
                done += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public Task<byte[]?> GetSmallAsync(string key, int maxBytes, CancellationToken ct)
    {
        var path = ObjectPath(key);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        using var data = OpenObject(key, path);
        return Task.FromResult(data is null ? null : SmallFiles.Read(data, maxBytes, $"{Description}: get '{key}'"));
    }

    public Task<PartManifest?> ReadManifestAsync(string key, CancellationToken ct)
    {
        var where = $"{Description}: part manifest of '{key}'";
        var bytes = ManifestFiles.Read(ObjectPath(key), where);
        return Task.FromResult(bytes is null ? null : PartManifest.Parse(bytes, where));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>
    /// An administrator's archive directory is theirs: never chmod'ed, but one that others may read
    /// or write gets a warning (what TierFs creates inside is root-only anyway).
    /// </summary>
    private void WarnIfShared(string directory)
    {
        var mode = File.GetUnixFileMode(directory);
        if ((mode & PrivateModes.Shared) != 0)
            Log.Warn(LogSource, $"{Description}: {directory} is {PrivateModes.Octal(mode)}: other users may read archived data there, or replace objects " +
                                "(a recall refuses an object that does not match its digest); make it root-only: chmod 700");
    }

    private string ObjectPath(string key)
    {
        RemoteKey.Validate(key);
        if (Path.GetFileName(key).Length > RemoteKey.MaxSegmentBytes - Sidecar.NamePrefix.Length - ".json".Length)
            throw new ArgumentException($"object key '{key}': the last segment is too long for the directory store's sidecar name", nameof(key));
        return Path.Combine(_base, key);
    }

    private static SafeFileHandle? OpenObject(string key, string path)
    {
        try
        {
            return Directory.Exists(path) ? null : File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private string CreateParent(string key, string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        try
        {
            PrivateModes.CreateDirectory(directory);
        }
        catch (IOException e)
        {
            throw new IOException($"{Description}: cannot store '{key}': {e.Message} (an object already has a name this key needs as a directory)", e);
        }
        if (Directory.Exists(path))
            throw new IOException($"{Description}: cannot store '{key}': other keys use it as a directory");
        return directory;
    }

    /// <summary>Removes directories left empty by a delete, up to the store's base: S3 has no directories either.</summary>
    private void PruneEmptyParents(string directory)
    {
        while (directory.Length > _base.Length && directory.StartsWith(_base + "/", StringComparison.Ordinal))
        {
            try { Directory.Delete(directory); }
            catch (IOException) { return; }
            catch (UnauthorizedAccessException) { return; }
            directory = Path.GetDirectoryName(directory)!;
        }
    }
}
