using System.Text.Json;
using System.Text.Json.Serialization;

namespace TierFs.Namespace;

/// <summary>One generation object: its number, whether it is a snapshot, its key and length.</summary>
public sealed record GenerationRef(
    [property: JsonPropertyName("gen")] long Generation,
    [property: JsonPropertyName("snap")] bool Snapshot,
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("len")] long Length);

/// <summary>
/// The pointer: the small object naming the latest generation, written last by a publication (one
/// PUT, which S3 makes visible whole), so a reader sees generation N whole or not at all. It holds
/// the chain from the latest snapshot to the latest delta, so a reader needs no listing: it reads
/// the pointer, then each object it names. Older generations are reached through each object's
/// header (<see cref="GenerationHeader.Previous"/>).
/// </summary>
public sealed record NamespacePointer
{
    /// <summary>
    /// 2 since generation objects may be of format 2 (digests as bytes): a TierFs that reads only
    /// format 1 refuses the pointer with a line naming the format instead of failing on the object.
    /// A pointer of format 1 (an older publisher) is read as it is.
    /// </summary>
    public const int CurrentFormat = 2;
    /// <summary>The pointer is read whole; a bigger one is malformed.</summary>
    public const int MaxBytes = 1 << 20;

    [JsonPropertyName("format")] public int Format { get; init; } = CurrentFormat;
    [JsonPropertyName("pair")] public required string Pair { get; init; }
    [JsonPropertyName("generation")] public required long Generation { get; init; }
    /// <summary>Snapshot first, then each delta in order; the last is <see cref="Generation"/>.</summary>
    [JsonPropertyName("chain")] public required IReadOnlyList<GenerationRef> Chain { get; init; }
    /// <summary>
    /// Every generation object still readable, oldest first: from the snapshot the oldest kept
    /// generation needs up to the latest (the chain is its end). Null in a pointer of an older
    /// TierFs, or when every generation is kept (<c>meta_sync.keep_generations: 0</c>): then older
    /// generations are reached through the objects' headers.
    /// </summary>
    [JsonPropertyName("held")] public IReadOnlyList<GenerationRef>? Held { get; init; }
    /// <summary>Objects of generations no longer kept, waiting out the grace before they are deleted (<see cref="GenerationRetention"/>).</summary>
    [JsonPropertyName("retired")] public IReadOnlyList<RetiredRef>? Retired { get; init; }
    /// <summary>The oldest generation a reader can load (1 when nothing was ever pruned).</summary>
    [JsonIgnore] public long Oldest => Held is { Count: > 0 } h ? h[0].Generation : 1;
    /// <summary>What this pointer holds: <see cref="Held"/>, or the chain alone.</summary>
    [JsonIgnore] public IReadOnlyList<GenerationRef> Readable => Held ?? Chain;
    /// <summary>Entries in the namespace at this generation.</summary>
    [JsonPropertyName("entries")] public long Entries { get; init; }
    [JsonPropertyName("published")] public long PublishedAtMs { get; init; }

    private static readonly JsonSerializerOptions Options = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public byte[] Encode() => JsonSerializer.SerializeToUtf8Bytes(this, Options);

    /// <summary>Decodes and checks the chain (a snapshot, then deltas numbered one after another up to the generation).</summary>
    public static NamespacePointer Decode(ReadOnlySpan<byte> bytes, string expectedPair)
    {
        NamespacePointer? p;
        try { p = JsonSerializer.Deserialize<NamespacePointer>(bytes, Options); }
        catch (JsonException e) { throw new NamespaceFormatException($"the pointer is not readable: {e.Message}"); }
        if (p is null) throw new NamespaceFormatException("the pointer is empty");
        if (p.Format is < 1 or > CurrentFormat) throw new NamespaceFormatException($"the pointer is of format {p.Format}; this TierFs reads formats 1 to {CurrentFormat} (a newer TierFs published it: upgrade this one)");
        if (p.Pair != expectedPair) throw new NamespaceFormatException($"the pointer names the pair '{p.Pair}', not '{expectedPair}'");
        if (p.Chain is null || p.Chain.Count == 0 || !p.Chain[0].Snapshot) throw new NamespaceFormatException("the pointer's chain does not start with a snapshot");
        for (var i = 0; i < p.Chain.Count; i++)
        {
            var g = p.Chain[i];
            if (i > 0 && (g.Snapshot || g.Generation != p.Chain[i - 1].Generation + 1))
                throw new NamespaceFormatException($"the pointer's chain is broken at generation {g.Generation}");
            if (g.Length <= 0 || string.IsNullOrEmpty(g.Key)) throw new NamespaceFormatException($"the pointer's generation {g.Generation} has no key or length");
        }
        if (p.Chain[^1].Generation != p.Generation) throw new NamespaceFormatException($"the pointer's chain ends at {p.Chain[^1].Generation}, not at its generation {p.Generation}");
        if (p.Held is { } held)
        {
            if (held.Count < p.Chain.Count || !held[0].Snapshot || !held.Skip(held.Count - p.Chain.Count).SequenceEqual(p.Chain))
                throw new NamespaceFormatException("the pointer's held generations do not start with a snapshot and end with its chain");
            for (var i = 1; i < held.Count; i++)
                if (held[i].Generation != held[i - 1].Generation + 1 || held[i].Length <= 0 || string.IsNullOrEmpty(held[i].Key))
                    throw new NamespaceFormatException($"the pointer's held generations are broken at generation {held[i].Generation}");
        }
        return p;
    }
}
