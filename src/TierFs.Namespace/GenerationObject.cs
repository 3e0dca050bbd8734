using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace TierFs.Namespace;

/// <summary>What a generation object says of itself, uncompressed at its start (a reader walking back to an older generation reads only this).</summary>
public sealed record GenerationHeader
{
    [JsonPropertyName("pair")] public required string Pair { get; init; }
    [JsonPropertyName("gen")] public required long Generation { get; init; }
    [JsonPropertyName("snap")] public required bool Snapshot { get; init; }
    /// <summary>The generation before this one (a delta applies on top of it; a snapshot just follows it), or null for the first.</summary>
    [JsonPropertyName("prev")] public GenerationRef? Previous { get; init; }
    [JsonPropertyName("created")] public long CreatedAtMs { get; init; }
}

/// <summary>
/// A generation object: <c>TFNSGEN1</c>, the header's length (4 bytes, big-endian), the header (JSON),
/// then the records (<see cref="NsRecordCodec"/>) as one zstd frame with its content checksum, so a
/// damaged object is refused rather than half applied.
/// </summary>
public static class GenerationObject
{
    private static readonly byte[] Magic = "TFNSGEN1"u8.ToArray();
    public const int MaxHeader = 64 << 10;
    /// <summary>What a reader fetches to read a header alone.</summary>
    public const int HeaderProbe = 8 + 4 + MaxHeader;
    private static readonly JsonSerializerOptions Options = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>Writes the magic and header to <paramref name="target"/> and returns the stream the records go into (dispose it to end the frame).</summary>
    public static Stream BeginWrite(Stream target, GenerationHeader header, int level = 3)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(header, Options);
        target.Write(Magic);
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(len, (uint)json.Length);
        target.Write(len);
        target.Write(json);
        var zstd = new CompressionStream(target, level, leaveOpen: true);
        zstd.SetParameter(ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
        return new BufferedStream(zstd, 1 << 16);
    }

    /// <summary>Reads the header from the object's first bytes.</summary>
    public static GenerationHeader ReadHeader(ReadOnlySpan<byte> start, out int bodyOffset)
    {
        if (start.Length < 12 || !start[..8].SequenceEqual(Magic)) throw new NamespaceFormatException("not a TierFs namespace generation (bad magic)");
        var length = BinaryPrimitives.ReadUInt32BigEndian(start[8..12]);
        if (length > MaxHeader || 12 + length > start.Length) throw new NamespaceFormatException($"a generation header of {length} bytes");
        GenerationHeader? header;
        try { header = JsonSerializer.Deserialize<GenerationHeader>(start.Slice(12, (int)length), Options); }
        catch (JsonException e) { throw new NamespaceFormatException($"the generation header is not readable: {e.Message}"); }
        bodyOffset = 12 + (int)length;
        return header ?? throw new NamespaceFormatException("empty generation header");
    }

    /// <summary>
    /// Reads a whole object from <paramref name="source"/> (positioned at its start): the header, then
    /// each record through <paramref name="put"/> and <paramref name="delete"/>. Returns the header.
    /// </summary>
    public static GenerationHeader Read(Stream source, Action<NsEntry> put, Action<long> delete)
    {
        var start = new byte[12];
        try
        {
            source.ReadExactly(start);
            var length = BinaryPrimitives.ReadUInt32BigEndian(start.AsSpan(8));
            if (!start.AsSpan(0, 8).SequenceEqual(Magic)) throw new NamespaceFormatException("not a TierFs namespace generation (bad magic)");
            if (length > MaxHeader) throw new NamespaceFormatException($"a generation header of {length} bytes");
            var all = new byte[12 + length];
            start.CopyTo(all, 0);
            source.ReadExactly(all.AsSpan(12));
            var header = ReadHeader(all, out _);
            using var body = new BufferedStream(new DecompressionStream(source, leaveOpen: true), 1 << 16);
            while (NsRecordCodec.TryRead(body, out var entry, out var gone))
            {
                if (entry is not null) put(entry);
                else delete(gone);
            }
            return header;
        }
        catch (Exception e) when (e is EndOfStreamException or ZstdException or IOException && e is not NamespaceFormatException)
        {
            throw new NamespaceFormatException($"the generation object is truncated or damaged: {e.Message}");
        }
    }

    internal static string Describe(GenerationHeader h) => new StringBuilder().Append(h.Snapshot ? "snapshot " : "delta ").Append(h.Generation).ToString();
}
