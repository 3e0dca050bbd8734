using TierFs.Remote;

namespace TierFs.Namespace;

/// <summary>
/// Loads a generation of a pair's namespace from the remote tier, never by listing: the pointer
/// names the latest generation and the chain from its snapshot; an older generation is reached by
/// walking back through the objects' headers. Everything read is checked (format, pair, numbering,
/// length, zstd's checksum); anything wrong is a <see cref="NamespaceFormatException"/>.
/// </summary>
public sealed class NamespaceReader(IRemoteStore remote, string pair, string? tempDirectory = null)
{
    /// <summary>The pointer, or null when the pair's namespace was never published.</summary>
    public async Task<NamespacePointer?> ReadPointerAsync(CancellationToken ct)
    {
        var bytes = await remote.GetSmallAsync(NamespaceLayout.PointerKey(pair), NamespacePointer.MaxBytes, ct).ConfigureAwait(false);
        return bytes is null ? null : NamespacePointer.Decode(bytes, pair);
    }

    /// <summary>The latest generation, or <paramref name="generation"/> (a point in time); null when nothing was ever published.</summary>
    public async Task<NamespaceTree?> LoadAsync(long? generation, CancellationToken ct)
    {
        var pointer = await ReadPointerAsync(ct).ConfigureAwait(false);
        if (pointer is null) return null;
        return await LoadAsync(pointer, generation, ct).ConfigureAwait(false);
    }

    public async Task<NamespaceTree> LoadAsync(NamespacePointer pointer, long? generation, CancellationToken ct)
    {
        var want = generation ?? pointer.Generation;
        if (want < 1 || want > pointer.Generation)
            throw new NamespaceNotFoundException($"generation {want} of the pair '{pair}' does not exist (the latest is {pointer.Generation})");
        if (want < pointer.Oldest)
            throw new NamespaceNotFoundException($"generation {want} of the pair '{pair}' is no longer held: generations {pointer.Oldest} to {pointer.Generation} are (older ones are pruned: meta_sync.keep_generations)");
        var path = await ChainToAsync(pointer, want, ct).ConfigureAwait(false);
        var tree = new NamespaceTree(pair, want);
        foreach (var g in path) await ApplyAsync(tree, g, ct).ConfigureAwait(false);
        tree.EnsureIndexed();
        return tree;
    }

    /// <summary>
    /// The generation <paramref name="pointer"/> names, for a reader holding <paramref name="current"/>
    /// (loaded from the objects <paramref name="currentChain"/>): when the pointer's chain is that chain
    /// and more deltas, only those are read and applied, to a copy (<paramref name="current"/> is left
    /// as it is); otherwise (a new snapshot) the generation is loaded whole.
    /// </summary>
    public async Task<NamespaceTree> LoadAfterAsync(NamespaceTree current, IReadOnlyList<GenerationRef> currentChain, NamespacePointer pointer, CancellationToken ct)
    {
        var extends = currentChain.Count > 0 && pointer.Chain.Count > currentChain.Count && currentChain[^1].Generation == current.Generation &&
                      currentChain.Select((g, i) => pointer.Chain[i] == g).All(same => same);
        if (!extends) return await LoadAsync(pointer, null, ct).ConfigureAwait(false);
        var tree = current.Copy();
        foreach (var g in pointer.Chain.Skip(currentChain.Count)) await ApplyAsync(tree, g, ct).ConfigureAwait(false);
        tree.EnsureIndexed();
        return tree;
    }

    // The objects to apply for generation `want`, snapshot first.
    private async Task<List<GenerationRef>> ChainToAsync(NamespacePointer pointer, long want, CancellationToken ct)
    {
        var readable = pointer.Readable.ToList();
        var at = readable.FindIndex(g => g.Generation == want);
        if (at >= 0)
        {
            var from = readable.FindLastIndex(at, g => g.Snapshot);
            return [.. readable.Skip(from).Take(at - from + 1)];
        }
        // Older than the pointer's snapshot: walk back through the headers.
        var current = pointer.Chain[0];
        while (current.Generation > want)
            current = (await HeaderAsync(current, ct).ConfigureAwait(false)).Previous
                      ?? throw new NamespaceNotFoundException($"generation {want} of the pair '{pair}' is no longer held");
        var path = new List<GenerationRef> { current };
        while (!current.Snapshot)
        {
            current = (await HeaderAsync(current, ct).ConfigureAwait(false)).Previous
                      ?? throw new NamespaceFormatException($"delta {current.Generation} follows no snapshot");
            path.Insert(0, current);
        }
        return path;
    }

    private async Task<GenerationHeader> HeaderAsync(GenerationRef g, CancellationToken ct)
    {
        var length = Math.Min(g.Length, GenerationObject.HeaderProbe);
        var buffer = new MemoryStream();
        try
        {
            await remote.ReadRangeAsync(g.Key, 0, length, (chunk, _) =>
            {
                buffer.Write(chunk.Span);
                return ValueTask.CompletedTask;
            }, ct).ConfigureAwait(false);
        }
        catch (RemoteObjectMissingException)
        {
            // Pruned by a publisher that does not name what it holds (or after the pointer was read).
            throw new NamespaceNotFoundException($"generation {g.Generation} of the pair '{pair}' is no longer held (pruned)");
        }
        var header = GenerationObject.ReadHeader(buffer.ToArray(), out _);
        Check(header, g);
        return header;
    }

    private void Check(GenerationHeader header, GenerationRef g)
    {
        if (header.Pair != pair || header.Generation != g.Generation || header.Snapshot != g.Snapshot)
            throw new NamespaceFormatException($"object {g.Key} is {GenerationObject.Describe(header)} of '{header.Pair}', not {(g.Snapshot ? "snapshot" : "delta")} {g.Generation} of '{pair}'");
        if (header.Previous is { } p && p.Generation != g.Generation - 1)
            throw new NamespaceFormatException($"object {g.Key} names generation {p.Generation} as the one before {g.Generation}");
    }

    private async Task ApplyAsync(NamespaceTree tree, GenerationRef g, CancellationToken ct)
    {
        // A snapshot replaces everything before it (an older generation is never applied under it).
        await ReadAsync(g, tree.Put, tree.Delete, ct).ConfigureAwait(false);
        tree.Generation = g.Generation;
    }

    /// <summary>
    /// The records the object of generation <paramref name="g"/> itself carries, in order: each
    /// entry it puts and each id it deletes. Its header is checked against <paramref name="g"/>.
    /// </summary>
    public async Task ReadAsync(GenerationRef g, Action<NsEntry> put, Action<long> delete, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(g);
        // The spill names every file of the tree: its owner's alone (the system's temp directory is
        // everyone's, and the daemon's umask is whatever started it).
        var file = new FileStream(Path.Combine(tempDirectory ?? Path.GetTempPath(), $".tierfs-ns-{Guid.NewGuid():N}"), new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            BufferSize = 1 << 16,
            Options = FileOptions.DeleteOnClose,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        await using (file.ConfigureAwait(false))
        {
            try
            {
                await remote.ReadRangeAsync(g.Key, 0, g.Length, async (chunk, token) => await file.WriteAsync(chunk, token).ConfigureAwait(false), ct).ConfigureAwait(false);
            }
            catch (RemoteObjectMissingException)
            {
                throw new NamespaceFormatException($"generation {g.Generation} ({g.Key}) is missing from the remote tier");
            }
            file.Position = 0;
            Check(GenerationObject.Read(file, put, delete), g);
        }
    }
}

/// <summary>The generation asked for is not there (never published, or no longer held): bad input, not damage.</summary>
public sealed class NamespaceNotFoundException(string message) : Exception(message);
