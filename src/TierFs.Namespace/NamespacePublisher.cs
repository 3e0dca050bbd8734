using System.Diagnostics;
using TierFs.Common;
using TierFs.Index;
using TierFs.Index.Reading;
using TierFs.Remote;

namespace TierFs.Namespace;

/// <summary>How a publisher works: the pair, where it writes its temp files, when it compacts.</summary>
public sealed record PublishOptions
{
    public required string Pair { get; init; }
    /// <summary>The S3 attribute contract's value, set on the namespace the first time it is published.</summary>
    public required string ContractValue { get; init; }
    /// <summary>After this many deltas on one snapshot, the next sync writes a snapshot (a reader's load stays short).</summary>
    public int MaxDeltas { get; init; } = 64;
    /// <summary>Generations kept readable (<c>--generation N</c>); older objects are retired, then deleted after <see cref="PruneGrace"/>. 0: all.</summary>
    public int KeepGenerations { get; init; } = 100;
    /// <summary>How long a retired object stays before it is deleted (a reader may be loading it).</summary>
    public TimeSpan PruneGrace { get; init; } = TimeSpan.FromHours(1);
    public string TempDirectory { get; init; } = System.IO.Path.GetTempPath();
    /// <summary>Takes the cut while nothing is half applied (the index keeper's lock); default: as it is.</summary>
    public Func<Func<SyncCut>, SyncCut>? Quiesce { get; init; }
    /// <summary>Where user.* xattrs come from; none when null.</summary>
    public IXattrSource? Xattrs { get; init; }
}

/// <summary>
/// Publishes a pair's namespace from the index to the remote tier: the first time (or when the
/// remote does not hold what this index last published, or after <see cref="PublishOptions.MaxDeltas"/>)
/// a snapshot of every entry, else a delta of what changed since. The generation object is uploaded
/// first and the pointer written last, so a reader sees the new generation whole or the old one.
/// Not thread-safe: one publication at a time (the caller serialises).
/// </summary>
public sealed class NamespacePublisher(IRemoteStore remote, TierIndex index, PublishOptions options)
{
    private const string Source = "sync";
    public const string ForwardAttribute = "ltr_local_to_remote";

    public async Task<PublishResult> PublishAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var pair = options.Pair;
        var pointer = await ReadPointerAsync(ct).ConfigureAwait(false);
        // Noting changes starts before the cut: whatever changes after it is in the next delta.
        index.ArmSync(pair);
        using var cut = options.Quiesce is { } quiesce ? quiesce(() => index.BeginSyncCut(pair)) : index.BeginSyncCut(pair);
        var state = cut.State;
        var delta = state is { Generation: > 0 } && pointer is not null && pointer.Generation == state.Generation &&
                    pointer.Chain[^1].Key == state.LastKey && pointer.Chain.Count - 1 < options.MaxDeltas;
        var generation = (pointer?.Generation ?? 0) + 1;
        var entries = cut.CountEntries();
        var header = new GenerationHeader
        {
            Pair = pair,
            Generation = generation,
            Snapshot = !delta,
            Previous = pointer?.Chain[^1],
            CreatedAtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        };

        var file = new FileStream(System.IO.Path.Combine(options.TempDirectory, $".tierfs-ns-{Guid.NewGuid():N}"), FileMode.CreateNew,
            FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        await using (file.ConfigureAwait(false))
        {
            long puts = 0, deletes = 0;
            using (var body = GenerationObject.BeginWrite(file, header))
            {
                var withPaths = options.Xattrs is not null;
                if (delta)
                    cut.ReadChanged(state!.Cursor, (id, row) =>
                    {
                        if (row is null)
                        {
                            body.WriteDelete(id);
                            deletes++;
                        }
                        else
                        {
                            body.WritePut(ToEntry(row));
                            puts++;
                        }
                    }, withPaths);
                else
                    puts = cut.ReadAll(row => body.WritePut(ToEntry(row)), withPaths);
            }
            if (delta && puts == 0 && deletes == 0)
            {
                index.RecordSync(state! with { Cursor = cut.HighWater });
                return new PublishResult(pointer!.Generation, false, true, 0, 0, entries, 0, clock.Elapsed.TotalSeconds);
            }
            await file.FlushAsync(ct).ConfigureAwait(false);
            var length = file.Length;
            var key = NamespaceLayout.GenerationKey(pair, generation, !delta);
            var attributes = new Dictionary<string, string>();
            await remote.UploadAsync(key, file.SafeFileHandle, length, attributes, null, ct).ConfigureAwait(false);
            if (pointer is null) await MarkPairAsync(ct).ConfigureAwait(false);

            var thisRef = new GenerationRef(generation, !delta, key, length);
            var chain = delta ? [.. pointer!.Chain, thisRef] : new List<GenerationRef> { thisRef };
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var plan = GenerationRetention.Apply([.. pointer?.Readable ?? [], thisRef], pointer?.Retired ?? [], options.KeepGenerations, options.PruneGrace, now);
            // Before the pointer: only what the pointer readers see now already retired (past its
            // grace) goes; one that fails to go stays retired, to be tried at the next publication.
            var gone = await DeleteExpiredAsync(plan.Expired, ct).ConfigureAwait(false);
            var next = new NamespacePointer
            {
                Pair = pair,
                Generation = generation,
                Chain = chain,
                Held = options.KeepGenerations > 0 ? plan.Held : null,
                Retired = [.. plan.Retired, .. plan.Expired.Except(gone)],
                Entries = entries,
                PublishedAtMs = now,
            };
            // Last: until this PUT, readers see the generation before; after it, this one whole.
            await remote.PutRecordAsync(NamespaceLayout.PointerKey(pair), next.Encode(), attributes, ct).ConfigureAwait(false);
            index.RecordSync(new SyncState(pair, generation, cut.HighWater, chain[0].Generation, chain.Count - 1, key, next.PublishedAtMs));
            var result = new PublishResult(generation, !delta, false, puts, deletes, entries, length, clock.Elapsed.TotalSeconds);
            Log.Info(Source, $"{pair}: {result}");
            return result;
        }
    }

    private async Task<List<RetiredRef>> DeleteExpiredAsync(IReadOnlyList<RetiredRef> expired, CancellationToken ct)
    {
        var gone = new List<RetiredRef>();
        foreach (var r in expired)
        {
            // The pointer is remote input: a key that is not one of this pair's generation objects
            // (a data object, another pair's namespace) is never deleted, only dropped from the list.
            if (!NamespaceLayout.IsGenerationKey(options.Pair, r.Key, r.Generation))
            {
                Log.Warn(Source, $"{options.Pair}: the pointer retires '{r.Key}' as generation {r.Generation}: not an object of that generation, not deleted");
                gone.Add(r);
                continue;
            }
            try
            {
                await remote.DeleteAsync(r.Key, ct).ConfigureAwait(false);
                gone.Add(r);
            }
            catch (RemoteException e)
            {
                Log.Warn(Source, $"{options.Pair}: generation {r.Generation} ({r.Key}) could not be deleted, kept for the next sync: {e.Message}");
            }
        }
        if (gone.Count > 0) Log.Info(Source, $"{options.Pair}: pruned {gone.Count} objects of generations {gone.Min(g => g.Generation)} to {gone.Max(g => g.Generation)}");
        return gone;
    }

    /// <summary>The pointer as the remote holds it now, or null when the pair was never published.</summary>
    public async Task<NamespacePointer?> ReadPointerAsync(CancellationToken ct)
    {
        var bytes = await remote.GetSmallAsync(NamespaceLayout.PointerKey(options.Pair), NamespacePointer.MaxBytes, ct).ConfigureAwait(false);
        return bytes is null ? null : NamespacePointer.Decode(bytes, options.Pair);
    }

    // The pair's S3 attribute is set on the namespace once, the first time it is published; a later
    // publication (a rebuilt index, a new snapshot) leaves the record as the first one wrote it.
    private async Task MarkPairAsync(CancellationToken ct)
    {
        var key = NamespaceLayout.PairKey(options.Pair);
        if (await remote.HeadAsync(key, ct).ConfigureAwait(false) is not null) return;
        var body = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new { pair = options.Pair, value = options.ContractValue, first = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() });
        await remote.PutRecordAsync(key, body, new Dictionary<string, string> { [ForwardAttribute] = options.ContractValue }, ct).ConfigureAwait(false);
    }

    private NsEntry ToEntry(SyncRow row)
    {
        var e = row.Entry;
        var type = e.Type.Length == 1 ? e.Type[0] : NsEntry.TypeOther;
        var state = row.State;
        var record = row.Tier?.Record is { HasArchive: true } r ? r : null;
        return new NsEntry
        {
            Id = e.Id,
            ParentId = e.Id == EntryRow.RootId ? 0 : e.ParentId,
            Name = e.Id == EntryRow.RootId ? "" : e.Name,
            Type = type,
            Mode = e.Mode,
            Uid = e.Uid,
            Gid = e.Gid,
            Size = e.Size,
            Nlink = e.Nlink,
            Ino = unchecked((long)e.Key.Ino),
            AtimeNs = e.AtimeNs,
            MtimeNs = e.MtimeNs,
            CtimeNs = record is not null && record.ShowsRecordCtime(e.Size, e.MtimeNs) ? record.CtimeNs : e.CtimeNs,
            Target = e.Target,
            Xattrs = options.Xattrs is { } x && row.Path is { } path && type is NsEntry.TypeFile or NsEntry.TypeDir ? x.UserXattrs(path, type) : [],
            State = state,
            Record = record,
        };
    }
}
