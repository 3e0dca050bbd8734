namespace TierFs.Common;

/// <summary>
/// Text a caller supplied, cut to a bounded length before it goes into a log line or an error
/// message: a user or a network peer must not be able to make one log line as long as they like
/// (a few such lines would rotate the whole log away, the audit trail with it, or fill the disk).
/// </summary>
public static class Excerpt
{
    public const int DefaultMax = 200;

    /// <summary><paramref name="text"/> itself when it has at most <paramref name="max"/> characters, else its start and "…".</summary>
    public static string Of(string text, int max = DefaultMax) =>
        text.Length <= max ? text : string.Concat(text.AsSpan(0, char.IsHighSurrogate(text[max - 1]) ? max - 1 : max), "…");
}
