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
/// A generation object: <c>TFNSGEN</c> and its format digit, the header's length (4 bytes,
/// big-endian), the header (JSON), then the records (<see cref="NsBodyWriter"/>) as one zstd frame
/// with its content checksum, so a damaged object is refused rather than half applied. Written as
/// format 2; format 1 (before digests were stored as bytes) is still read; a later one is refused
/// with a line saying so, never guessed at.
/// </summary>
public static class GenerationObject
{
    public const int CurrentFormat = 2;
    private static readonly byte[] MagicStem = "TFNSGEN"u8.ToArray();
    public const int MaxHeader = 64 << 10;
    /// <summary>What a reader fetches to read a header alone.</summary>
    public const int HeaderProbe = 8 + 4 + MaxHeader;
    private static readonly JsonSerializerOptions Options = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>Writes the magic and header to <paramref name="target"/> and returns the writer of the records (dispose it to end the frame).</summary>
    public static NsBodyWriter BeginWrite(Stream target, GenerationHeader header, int level = 3)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(header, Options);
        target.Write(MagicStem);
        target.WriteByte((byte)('0' + CurrentFormat));
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(len, (uint)json.Length);
        target.Write(len);
        target.Write(json);
        var zstd = new CompressionStream(target, level, leaveOpen: true);
        zstd.SetParameter(ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
        return new NsBodyWriter(new BufferedStream(zstd, 1 << 16));
    }

    /// <summary>The format of an object from its first 8 bytes (1 or 2), or why it cannot be read.</summary>
    private static int FormatOf(ReadOnlySpan<byte> magic)
    {
        if (magic.Length < 8 || !magic[..7].SequenceEqual(MagicStem) || magic[7] is < (byte)'1' or > (byte)'9')
            throw new NamespaceFormatException("not a TierFs namespace generation (bad magic)");
        var format = magic[7] - '0';
        return format <= CurrentFormat ? format
            : throw new NamespaceFormatException($"a namespace generation of format {format}: this TierFs reads formats 1 to {CurrentFormat} (a newer TierFs published it: upgrade this one)");
    }

    /// <summary>Reads the header from the object's first bytes.</summary>
    public static GenerationHeader ReadHeader(ReadOnlySpan<byte> start, out int bodyOffset)
    {
        if (start.Length < 12) throw new NamespaceFormatException("not a TierFs namespace generation (too short)");
        FormatOf(start[..8]);
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
            var format = FormatOf(start.AsSpan(0, 8));
            if (length > MaxHeader) throw new NamespaceFormatException($"a generation header of {length} bytes");
            var all = new byte[12 + length];
            start.CopyTo(all, 0);
            source.ReadExactly(all.AsSpan(12));
            var header = ReadHeader(all, out _);
            using var body = new BufferedStream(new DecompressionStream(source, leaveOpen: true), 1 << 16);
            var records = new NsBodyReader(body, format);
            while (records.TryRead(out var entry, out var gone))
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
