using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace TierFs.Tiering.Config;

/// <summary>
/// One mapping of the config file, read key by key: every value is checked for its type and
/// every key must be claimed, so a typo is reported by name and line instead of being ignored.
/// </summary>
internal sealed class YamlSection
{
    private readonly string _file;
    private readonly string _path;
    private readonly YamlMappingNode _node;
    private readonly HashSet<string> _claimed = [];

    public YamlSection(string file, string path, YamlMappingNode node) => (_file, _path, _node) = (file, path, node);

    /// <summary>The line the mapping starts on.</summary>
    public int Line => (int)_node.Start.Line;

    private string KeyPath(string key) => _path.Length == 0 ? key : $"{_path}.{key}";

    /// <summary>"FILE:LINE: section.key: problem", at <paramref name="at"/>, else at the key's own line when it is present, else at the section's.</summary>
    public ConfigException Error(string key, string problem, YamlNode? at = null) =>
        new($"{_file}:{(at is null ? LineOf(key) : at.Start.Line)}: {KeyPath(key)}: {problem}");

    /// <summary>The line of <paramref name="key"/> in this mapping, or the mapping's first line when the key is absent.</summary>
    public int LineOf(string key) => (int)((YamlNode?)KeyNode(key) ?? _node).Start.Line;

    private YamlScalarNode? KeyNode(string key)
    {
        foreach (var k in _node.Children.Keys)
            if (k is YamlScalarNode s && s.Value == key) return s;
        return null;
    }

    private YamlNode? Get(string key)
    {
        _claimed.Add(key);
        foreach (var (k, v) in _node.Children)
            if (k is YamlScalarNode s && s.Value == key) return v is YamlScalarNode { Value: null or "" or "~" or "null" } ? null : v;
        return null;
    }

    private string? Scalar(string key)
    {
        var node = Get(key);
        if (node is null) return null;
        if (node is not YamlScalarNode s) throw Error(key, "expected a single value, not a list or a section", node);
        return s.Value;
    }

    public string? String(string key) => Scalar(key);

    public string RequiredString(string key) =>
        String(key) is { Length: > 0 } v ? v : throw Error(key, "is required");

    public int Int(string key, int fallback, int min, int max)
    {
        var v = Scalar(key);
        if (v is null) return fallback;
        if (!int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
            throw Error(key, $"expected a whole number from {min} to {max}, got '{v}'", Get(key));
        return n;
    }

    public long Size(string key, long fallback, long min, long max = long.MaxValue)
    {
        var v = Scalar(key);
        if (v is null) return fallback;
        if (!Units.TryParseSize(v, out var n) || n < min || n > max)
            throw Error(key, max == long.MaxValue
                ? $"expected a size of at least {min} bytes (like 16M or 1G), got '{v}'"
                : $"expected a size from {Units.FormatSize(min)} to {Units.FormatSize(max)} (like 16M or 1G), got '{v}'", Get(key));
        return n;
    }

    /// <summary>A whole number, or null when absent.</summary>
    public long? OptionalLong(string key, long min)
    {
        var v = Scalar(key);
        if (v is null) return null;
        if (!long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < min)
            throw Error(key, $"expected a whole number of at least {min}, got '{v}'", Get(key));
        return n;
    }

    public int? OptionalInt(string key, int min, int max) => Scalar(key) is null ? null : Int(key, 0, min, max);

    public long? OptionalSize(string key, long min) => Scalar(key) is null ? null : Size(key, 0, min);

    /// <summary>A duration from <paramref name="min"/> to <paramref name="max"/> (both allowed).</summary>
    public TimeSpan Duration(string key, TimeSpan fallback, TimeSpan min, TimeSpan max)
    {
        var v = Scalar(key);
        if (v is null) return fallback;
        if (!Units.TryParseDuration(v, out var d) || d < min || d > max)
            throw Error(key, $"expected a duration from {Units.FormatDuration(min)} to {Units.FormatDuration(max)} (like 30s, 10m, 1h or 7d), got '{v}'", Get(key));
        return d;
    }

    public T Enum<T>(string key, T fallback, params (string Word, T Value)[] words)
    {
        var v = Scalar(key);
        if (v is null) return fallback;
        foreach (var (word, value) in words)
            if (string.Equals(word, v, StringComparison.OrdinalIgnoreCase)) return value;
        throw Error(key, $"expected one of {string.Join(", ", words.Select(w => w.Word))}, got '{v}'", Get(key));
    }

    public YamlSection? Section(string key)
    {
        var node = Get(key);
        if (node is null) return null;
        if (node is not YamlMappingNode m) throw Error(key, "expected a section (key: value lines)", node);
        return new YamlSection(_file, KeyPath(key), m);
    }

    /// <summary>A list of plain values (<c>[a, b]</c> or <c>- a</c> lines); empty when absent.</summary>
    public IReadOnlyList<string> Strings(string key)
    {
        var node = Get(key);
        if (node is null) return [];
        if (node is not YamlSequenceNode seq) throw Error(key, "expected a list of values, like [a, b]", node);
        return seq.Children.Select((item, i) => item is YamlScalarNode { Value: { } v }
            ? v
            : throw Error(key, $"item {i + 1}: expected a single value", item)).ToList();
    }

    /// <summary>A list of sections (<c>- key: value</c> items); empty when absent.</summary>
    public IReadOnlyList<YamlSection> List(string key)
    {
        var node = Get(key);
        if (node is null) return [];
        if (node is not YamlSequenceNode seq) throw Error(key, "expected a list (lines starting with '- ')", node);
        return seq.Children.Select((item, i) => item is YamlMappingNode m
            ? new YamlSection(_file, $"{KeyPath(key)}[{i + 1}]", m)
            : throw Error(key, $"item {i + 1}: expected key: value lines", item)).ToList();
    }

    /// <summary>Call after reading: any key nobody asked for is an error.</summary>
    public void RejectUnknown()
    {
        foreach (var (k, v) in _node.Children)
        {
            var key = (k as YamlScalarNode)?.Value ?? "?";
            if (!_claimed.Contains(key)) throw new ConfigException($"{_file}:{k.Start.Line}: {KeyPath(key)}: unknown key");
        }
    }
}
