using System.Globalization;

namespace TierFs.Remote;

/// <summary>
/// The S3 attribute contract: attributes such as <c>ltr_local_to_remote</c> =
/// <c>LC_1111,/icfsdefault/namespace/heb_src,LC_222,/icfsdefault/namespace/zz_desc</c> are stored as
/// S3 user metadata (<c>x-amz-meta-KEY: VALUE</c>) set when the object is created (PutObject /
/// CreateMultipartUpload): object tags refuse commas on AWS, and rewriting metadata would need a
/// copy of the object onto itself. The directory store keeps them in a sidecar file.
/// The rules below make every value come back byte-identical from any S3 server: keys are lowercase
/// header tokens (S3 lowercases keys), values are printable ASCII without edge spaces (HTTP trims
/// them), and the whole set stays within the 2 KB AWS allows for user metadata.
/// </summary>
public static class ObjectAttributes
{
    /// <summary>Keys starting with this are TierFs's own (the part size an object was uploaded with).</summary>
    public const string ReservedPrefix = "tierfs-";

    /// <summary>The part size of the upload, kept on the object so that a download can recompute the checksum.</summary>
    public const string PartSizeKey = "tierfs-part-size";

    /// <summary>The AWS limit on user metadata: keys plus values, in bytes.</summary>
    public const int MaxTotalBytes = 2048;

    public const int MaxKeyLength = 128;

    public static readonly IReadOnlyDictionary<string, string> None = new Dictionary<string, string>();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first attribute that breaks a rule.</summary>
    public static void Validate(IReadOnlyDictionary<string, string> attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        var total = 0;
        foreach (var (key, value) in attributes)
        {
            ValidateKey(key);
            ValidateValue(key, value);
            total += key.Length + value.Length;
        }
        // Leave room for the part size TierFs adds.
        var limit = MaxTotalBytes - PartSizeKey.Length - 20;
        if (total > limit)
            throw new ArgumentException($"attributes take {total} bytes; S3 user metadata allows {limit} here (2 KB with TierFs's own)", nameof(attributes));
    }

    private static void ValidateKey(string key)
    {
        if (key.Length is 0 or > MaxKeyLength)
            throw new ArgumentException($"attribute key '{key}': must be 1 to {MaxKeyLength} characters", nameof(key));
        foreach (var c in key)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '-' or '.'))
                throw new ArgumentException($"attribute key '{Printable(key)}': only lowercase ASCII letters, digits, '_', '-' and '.' (S3 lowercases metadata keys)", nameof(key));
        }
        if (key.StartsWith(ReservedPrefix, StringComparison.Ordinal))
            throw new ArgumentException($"attribute key '{key}': the prefix '{ReservedPrefix}' is reserved for TierFs", nameof(key));
        if (key.StartsWith("x-amz-", StringComparison.Ordinal))
            throw new ArgumentException($"attribute key '{key}': give the bare key; the store adds the x-amz-meta- prefix itself", nameof(key));
    }

    private static void ValidateValue(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0)
            throw new ArgumentException($"attribute '{key}': empty values are not kept by every S3 server", nameof(value));
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] is < ' ' or > '~')
                throw new ArgumentException($"attribute '{key}': character {i} (U+{(int)value[i]:X4}) is not printable ASCII, which S3 metadata requires", nameof(value));
        }
        if (value[0] == ' ' || value[^1] == ' ')
            throw new ArgumentException($"attribute '{key}': leading or trailing spaces would be trimmed by HTTP", nameof(value));
    }

    /// <summary>The attributes plus TierFs's own part size: what is written on the object.</summary>
    internal static Dictionary<string, string> WithPartSize(IReadOnlyDictionary<string, string> attributes, long? partSize)
    {
        var all = new Dictionary<string, string>(attributes, StringComparer.Ordinal);
        if (partSize is { } size) all[PartSizeKey] = size.ToString(CultureInfo.InvariantCulture);
        return all;
    }

    /// <summary>Splits what was read back from an object into the user attributes and the part size.</summary>
    internal static (IReadOnlyDictionary<string, string> Attributes, long? PartSize) Split(IEnumerable<KeyValuePair<string, string>> stored)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        long? partSize = null;
        foreach (var (key, value) in stored)
        {
            if (key == PartSizeKey)
                partSize = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : null;
            else if (!key.StartsWith(ReservedPrefix, StringComparison.Ordinal))
                attributes[key] = value;
        }
        return (attributes, partSize);
    }

    private static string Printable(string s) => string.Concat(s.Select(c => c is < ' ' or > '~' ? $"\\u{(int)c:x4}" : c.ToString()));
}
