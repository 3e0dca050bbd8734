namespace TierFs.Namespace;

/// <summary>A generation object no pointer names as readable any more, and since when (ms since the epoch).</summary>
public sealed record RetiredRef(
    [property: System.Text.Json.Serialization.JsonPropertyName("gen")] long Generation,
    [property: System.Text.Json.Serialization.JsonPropertyName("key")] string Key,
    [property: System.Text.Json.Serialization.JsonPropertyName("since")] long SinceMs);

/// <summary>
/// Which generation objects a new pointer holds, which it retires and which retired ones may go.
/// The latest <c>keep</c> generations stay readable: the objects from the last snapshot at or
/// before the oldest of them up to the latest are held; everything older is retired, named in the
/// pointer with the time it was retired. A retired object is deleted only once it has been retired
/// for <c>grace</c> and only if the pointer a reader can see now (the one being replaced) already
/// retired it: a reader that read an older pointer just before may still be loading the objects it
/// named, and the grace covers that load (a west mount keeps the generation it loaded in memory and
/// reads only new deltas, so it never reads a retired object again).
/// </summary>
public static class GenerationRetention
{
    public sealed record Plan(IReadOnlyList<GenerationRef> Held, IReadOnlyList<RetiredRef> Retired, IReadOnlyList<RetiredRef> Expired);

    /// <param name="held">What the pointer being replaced holds, then the new generation's object.</param>
    /// <param name="retired">What the pointer being replaced retired.</param>
    /// <param name="keep">Generations kept readable; 0: every one (nothing retired).</param>
    public static Plan Apply(IReadOnlyList<GenerationRef> held, IReadOnlyList<RetiredRef> retired, int keep, TimeSpan grace, long nowMs)
    {
        var expired = retired.Where(r => nowMs - r.SinceMs >= grace.TotalMilliseconds).ToList();
        var stillRetired = retired.Except(expired).ToList();
        if (keep <= 0 || held.Count == 0) return new Plan(held, stillRetired, expired);
        var boundary = held[^1].Generation - keep + 1;
        var from = 0;
        for (var i = 0; i < held.Count; i++)
            if (held[i].Snapshot && held[i].Generation <= boundary) from = i;
        stillRetired.AddRange(held.Take(from).Select(g => new RetiredRef(g.Generation, g.Key, nowMs)));
        return new Plan([.. held.Skip(from)], stillRetired, expired);
    }
}
