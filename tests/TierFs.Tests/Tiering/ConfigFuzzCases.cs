namespace TierFs.Tests.Tiering;

/// <summary>
/// The configuration fuzz's cases, shared by the unit tests (ConfigLoader) and the integration
/// tests (`tierfs mount`): a configuration using every key, and bad values for each.
/// </summary>
public static class ConfigFuzzCases
{
    /// <summary>A configuration using every key, one per line; the tests replace one key's value.</summary>
    public static readonly string[] Lines =
    [
        "cluster_id: LC_1",
        "log_level: info",
        "remote:",
        "  type: s3",
        "  endpoint: http://127.0.0.1:9",
        "  bucket: tier",
        "  prefix: east/",
        "  region: us-east-1",
        "  part_size: 16M",
        "  concurrency: 4",
        "  request_timeout: 30s",
        "  delete_grace: 1h",
        "pair:",
        "  name: heb",
        "  local_share_path: /a",
        "  remote_cluster_id: LC_2",
        "  remote_share_path: /b",
        "  meta_sync_role: master",
        "  remote_role: gfs",
        "policies:",
        "  - name: p1",
        "    priority: 10",
        "    action: migrate",
        "    where: \"size >= mib(1)\"",
        "    order: size DESC",
        "    max_files: 10",
        "    max_bytes: 1G",
        "schedule:",
        "  interval: 10m",
        "  window: \"00:00-04:00\"",
        "  workers: 4",
        "  usage_high: 90",
        "  usage_low: 75",
        "  min_age: 1h",
        "  retries: 3",
        "  retry_backoff: 10m",
    ];

    private const string List = "[1, 2]";
    private const string Map = "{a: 1}";

    /// <summary>(key as written, a bad value): wrong types, out of range, overflow, and the cases of issue 9.</summary>
    public static readonly (string Key, string Value)[] BadValues =
    [
        ("cluster_id", List), ("cluster_id", "a,b"),
        ("log_level", "loud"), ("log_level", Map),
        ("type", "ftp"), ("type", List),
        ("endpoint", "not a url"), ("endpoint", "ftp://host"), ("endpoint", List),
        ("bucket", "a/b"), ("bucket", Map),
        ("prefix", "../x/"), ("prefix", "a//b"), ("prefix", "a/./b"), ("prefix", List),
        ("region", List),
        ("part_size", "1"), ("part_size", "4M"), ("part_size", "2G"), ("part_size", "lots"), ("part_size", "-1M"), ("part_size", "99999999999P"), ("part_size", List),
        ("concurrency", "0"), ("concurrency", "65"), ("concurrency", "many"), ("concurrency", "1.5"), ("concurrency", "99999999999999999999"),
        ("request_timeout", "0s"), ("request_timeout", "2d"), ("request_timeout", "soon"), ("request_timeout", "-1s"), ("request_timeout", "99999999999d"), ("request_timeout", List),
        ("delete_grace", "-1s"), ("delete_grace", "3651d"), ("delete_grace", "99999999999d"), ("delete_grace", "1e3s"),
        ("name", Map),
        ("local_share_path", "/a,b"), ("remote_cluster_id", "x,y"), ("remote_share_path", "/b,c"), ("remote_share_path", List),
        ("meta_sync_role", "boss"), ("meta_sync_role", "2"), ("remote_role", "peer"),
        ("priority", "-1"), ("priority", "high"), ("priority", "1000001"),
        ("action", "delete"),
        ("where", "\"sise > 1\""), ("where", "\"size >= 1M\""), ("where", "\"1; DROP TABLE entries\""), ("where", List),
        ("order", "\"size DESC LIMIT 1\""), ("order", "nosuch"),
        ("max_files", "0"), ("max_files", "lots"), ("max_files", "1e3"), ("max_files", "99999999999999999999"),
        ("max_bytes", "0"), ("max_bytes", "lots"), ("max_bytes", "9999999999999999999999P"),
        ("interval", "0s"), ("interval", "31d"), ("interval", "soon"), ("interval", "99999999999d"),
        ("window", "\"25:00-04:00\""), ("window", "4-5"), ("window", List),
        ("workers", "0"), ("workers", "65"),
        ("usage_high", "100"), ("usage_high", "0"), ("usage_low", "95"),
        ("min_age", "-1s"), ("min_age", "3651d"), ("min_age", "99999999999d"),
        ("retries", "-1"), ("retries", "101"), ("retries", "x"),
        ("retry_backoff", "31d"), ("retry_backoff", "x"), ("retry_backoff", "99999999999d"),
    ];

    /// <summary>The configuration with <paramref name="key"/>'s value replaced, and that key's line (1-based).</summary>
    public static (string Yaml, int Line) With(string key, string value)
    {
        var lines = Lines.ToArray();
        var i = Array.FindIndex(lines, l => l.TrimStart(' ', '-').StartsWith(key + ":", StringComparison.Ordinal));
        if (i < 0) throw new ArgumentException($"no key {key} in the configuration", nameof(key));
        lines[i] = lines[i][..(lines[i].IndexOf(key, StringComparison.Ordinal) + key.Length + 1)] + " " + value;
        return (string.Join('\n', lines) + "\n", i + 1);
    }
}
