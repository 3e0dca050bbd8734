using System.Text.Json;
using TierFs.IntegrationTests.Harness;
using static TierFs.IntegrationTests.Tiering.TierHarness;

namespace TierFs.IntegrationTests.Ops;

/// <summary>Helpers for the operator's commands: verify, alarms, and the index's verify tables.</summary>
internal static class OpsHarness
{
    /// <summary>Flips one byte of an object where s3rver keeps it on disk: its metadata (ETag, size) stays, as with bit rot at rest.</summary>
    public static void RotAtRest(S3TierMount t, string key, long offset)
    {
        var file = Path.Combine(t.S3.DataDir, t.S3.Bucket, t.Prefix + key + "._S3rver_object");
        Assert.True(File.Exists(file), $"s3rver keeps no object at {file}");
        using var f = File.Open(file, FileMode.Open, FileAccess.ReadWrite);
        f.Position = offset;
        var b = f.ReadByte();
        f.Position = offset;
        f.WriteByte((byte)(b ^ 0x5a));
    }

    /// <summary>The lines of a verify's stdout that report a difference ("KIND WHAT: detail"), without the repair lines.</summary>
    public static List<string> DiffLines(RunResult r) =>
        r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("  ", StringComparison.Ordinal) && !l.StartsWith("verify ", StringComparison.Ordinal)).ToList();

    /// <summary>Rows of a read-only query against the mount's index, as JSON objects.</summary>
    public static List<JsonElement> Query(string mount, string sql)
    {
        var r = Tierfs("query", mount, sql, "--format", "json");
        Assert.True(r.ExitCode == 0, r.ToString());
        using var doc = JsonDocument.Parse(r.Stdout);
        return doc.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }

    /// <summary>The index's tier rows and pending deletions, as text: what a dry run must not change.</summary>
    public static string IndexState(string mount) =>
        Tierfs("query", mount, "SELECT * FROM tier ORDER BY dev, ino", "--format", "csv").Stdout +
        Tierfs("query", mount, "SELECT * FROM pending_deletes ORDER BY object_key", "--format", "csv").Stdout;

    /// <summary>Every object under the prefix with its size and ETag: what a dry run must not change.</summary>
    public static string BucketState(S3TierMount t) =>
        string.Join("\n", t.Objects().Select(o => $"{o.Key} {o.Value} {t.Head(o.Key)?.ETag}"));
}

/// <summary>A temporary directory, deleted with what is in it.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("tierfs-ops-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}
