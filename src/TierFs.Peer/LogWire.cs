using System.Globalization;
using System.Text.Json.Serialization;
using TierFs.Index;

namespace TierFs.Peer;

/// <summary>One log entry on the link: what identifies it on both nodes (origin, seq) and what it says.</summary>
public sealed record WireEntry(
    [property: JsonPropertyName("origin")] string Origin,
    [property: JsonPropertyName("seq")] long Seq,
    [property: JsonPropertyName("at")] long AtMs,
    [property: JsonPropertyName("op")] string Op,
    [property: JsonPropertyName("path")] string? Path,
    [property: JsonPropertyName("fileId")] string? FileId,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("durationMs")] long DurationMs,
    [property: JsonPropertyName("ok")] bool Ok,
    [property: JsonPropertyName("error")] string? Error)
{
    public static WireEntry From(OpLogEntry e) => new(e.Origin, e.Seq, e.AtMs, e.Op, e.Path, e.FileId, e.Bytes, e.DurationMs, e.Ok, e.Error);

    public OpLogEntry ToEntry() => new()
    {
        Origin = Origin, Seq = Seq, AtMs = AtMs, Op = Op, Path = Path, FileId = FileId, Bytes = Bytes, DurationMs = DurationMs, Ok = Ok, Error = Error,
    };
}

/// <summary>The answer to a pull: who answers, what it holds of every origin, and the entries the asker lacks.</summary>
public sealed record WireBatch(
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("high")] Dictionary<string, long> High,
    [property: JsonPropertyName("entries")] List<WireEntry> Entries);

/// <summary>The "have" query parameter: origin:seq pairs, comma-separated (node names hold neither).</summary>
public static class HaveParameter
{
    public static string Format(IReadOnlyDictionary<string, long> have) =>
        string.Join(',', have.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => $"{h.Key}:{h.Value.ToString(CultureInfo.InvariantCulture)}"));

    public static Dictionary<string, long>? Parse(string? text)
    {
        var have = new Dictionary<string, long>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(text)) return have;
        foreach (var part in text.Split(','))
        {
            var colon = part.LastIndexOf(':');
            if (colon <= 0 || !long.TryParse(part.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq)) return null;
            have[part[..colon]] = seq;
        }
        return have;
    }
}
