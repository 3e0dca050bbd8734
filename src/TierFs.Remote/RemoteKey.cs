using System.Text;

namespace TierFs.Remote;

/// <summary>
/// Object keys and store prefixes. A key is a '/'-separated relative path with no empty, "." or ".."
/// segment (so the directory store cannot escape its root and S3 keys map to paths one to one),
/// no control characters, segments of at most 255 bytes, and no segment starting with ".tierfs-"
/// (reserved for the stores' temp, probe and sidecar files).
/// </summary>
public static class RemoteKey
{
    public const string ReservedSegmentPrefix = ".tierfs-";

    /// <summary>S3's limit for a whole key, prefix included.</summary>
    public const int MaxKeyBytes = 1024;

    public const int MaxSegmentBytes = 255;

    public static void Validate(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length == 0) throw new ArgumentException("the object key is empty", nameof(key));
        if (Encoding.UTF8.GetByteCount(key) > MaxKeyBytes) throw new ArgumentException($"object key longer than {MaxKeyBytes} bytes: {key[..64]}...", nameof(key));
        foreach (var segment in key.Split('/'))
        {
            if (segment is "" or "." or "..")
                throw new ArgumentException($"object key '{key}': empty, '.' and '..' segments are not allowed (nor a leading or trailing '/')", nameof(key));
            if (segment.StartsWith(ReservedSegmentPrefix, StringComparison.Ordinal))
                throw new ArgumentException($"object key '{key}': segments starting with '{ReservedSegmentPrefix}' are reserved", nameof(key));
            if (Encoding.UTF8.GetByteCount(segment) > MaxSegmentBytes)
                throw new ArgumentException($"object key '{key}': a segment is longer than {MaxSegmentBytes} bytes", nameof(key));
            if (segment.Any(char.IsControl))
                throw new ArgumentException($"object key '{key.ReplaceLineEndings(" ")}': control characters are not allowed", nameof(key));
        }
    }

    /// <summary>A store prefix as configured ("tierfs", "/a/b/") made canonical: "" or "a/b/".</summary>
    public static string NormalizePrefix(string? prefix)
    {
        var trimmed = (prefix ?? "").Trim('/');
        if (trimmed.Length == 0) return "";
        Validate(trimmed);
        return trimmed + "/";
    }

    /// <summary>A list prefix: any string a key may start with (possibly ""), without control characters or a leading '/'.</summary>
    public static void ValidateListPrefix(string keyPrefix)
    {
        ArgumentNullException.ThrowIfNull(keyPrefix);
        if (keyPrefix.StartsWith('/')) throw new ArgumentException($"list prefix '{keyPrefix}' starts with '/': keys are relative to the store prefix", nameof(keyPrefix));
        if (keyPrefix.Any(char.IsControl)) throw new ArgumentException("list prefix has control characters", nameof(keyPrefix));
    }

    /// <summary>True for keys the stores keep for themselves (left out of listings).</summary>
    internal static bool IsReserved(string key) =>
        key.StartsWith(ReservedSegmentPrefix, StringComparison.Ordinal) || key.Contains("/" + ReservedSegmentPrefix, StringComparison.Ordinal);
}
