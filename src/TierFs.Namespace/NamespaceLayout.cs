using System.Globalization;

namespace TierFs.Namespace;

/// <summary>
/// Where a pair's namespace lives in the remote tier, under the store's prefix:
/// <c>ns/PAIR/pointer</c> (the one object ever overwritten: it names the latest generation),
/// <c>ns/PAIR/pair</c> (written once, at the first publication: the pair's S3 attribute), and
/// <c>ns/PAIR/gen/GENERATION.TOKEN.snap|delta</c>, immutable (a random token per upload: an upload
/// that was never named by the pointer, after a crash, is never overwritten by the next one).
/// </summary>
public static class NamespaceLayout
{
    public static string Root(string pair) => $"ns/{pair}/";
    public static string PointerKey(string pair) => Root(pair) + "pointer";
    public static string PairKey(string pair) => Root(pair) + "pair";

    /// <summary>
    /// Whether <paramref name="key"/> can be an object of <paramref name="generation"/> of the pair
    /// (<c>ns/PAIR/gen/GENERATION.TOKEN.snap|delta</c>, the generation in its 12 digits): what a
    /// publisher checks before deleting a key a pointer names (the pointer is remote input).
    /// </summary>
    public static bool IsGenerationKey(string pair, string key, long generation)
    {
        var stem = $"{Root(pair)}gen/{generation.ToString("D12", CultureInfo.InvariantCulture)}.";
        if (!key.StartsWith(stem, StringComparison.Ordinal)) return false;
        var rest = key.AsSpan(stem.Length);
        var dot = rest.IndexOf('.');
        return dot > 0 && !rest[..dot].ContainsAnyExcept("0123456789abcdef") && rest[(dot + 1)..] is "snap" or "delta";
    }

    public static string GenerationKey(string pair, long generation, bool snapshot) =>
        $"{Root(pair)}gen/{generation.ToString("D12", CultureInfo.InvariantCulture)}.{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8))}.{(snapshot ? "snap" : "delta")}";
}
