using TierFs.Posix;
using TierFs.Records;

namespace TierFs.Tiering.Engine;

/// <summary>
/// A stub whose backing file was changed behind the mount (written or truncated while unmounted,
/// or directly in the backing tree): its record describes data the file no longer has the shape
/// of, so it is neither recalled nor served; `tierfs resolve` decides which version is the file.
/// </summary>
public static class StubMismatch
{
    public const string Resolve = "resolve with `tierfs resolve --keep-local PATH` (the backing file as it is now) or `--keep-remote` (the archived data)";

    /// <summary>One line: what the record says, what the file is now.</summary>
    public static string Describe(StubRecord record, in StatX st)
    {
        var what = new List<string>();
        if ((long)st.Size != record.Size) what.Add($"{(long)st.Size} bytes where {record.Size} were released");
        var mtime = StubStore.Ns(st.Mtime);
        if (mtime != record.MtimeNs) what.Add($"mtime {Format(mtime)} where the release recorded {Format(record.MtimeNs)}");
        return $"changed behind the mount since it was released ({string.Join(", ", what)}); {Resolve}";
    }

    private static string Format(long ns) =>
        DateTimeOffset.FromUnixTimeMilliseconds(ns / 1_000_000).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
