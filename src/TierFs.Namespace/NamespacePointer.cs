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
        return p;
    }
}
