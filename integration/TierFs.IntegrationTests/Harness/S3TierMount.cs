using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Data.Sqlite;
using TierFs.Records;

namespace TierFs.IntegrationTests.Harness;

/// <summary>
/// s3rver 3.7 makes ListObjectsV2 continuation tokens with DES, which Node.js ≥ 17 (OpenSSL 3) has
/// only in its legacy provider: without it every truncated V2 listing (max-keys below the number
/// of keys, as in the mount's remote check with MaxKeys=1) answers 500 InternalError, so a remount
/// over a bucket holding two objects fails. Every s3rver started by these tests inherits this.
/// </summary>
internal static class S3rverNodeOptions
{
    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void EnableLegacyCiphers()
    {
        const string flag = "--openssl-legacy-provider";
        var current = Environment.GetEnvironmentVariable("NODE_OPTIONS") ?? "";
        if (current.Contains(flag, StringComparison.Ordinal) || !NodeUsesOpenSsl3()) return;
        Environment.SetEnvironmentVariable("NODE_OPTIONS", (current + " " + flag).Trim());
    }

    // Older Node.js refuses the flag (and has DES anyway); no Node.js at all: nothing to do.
    private static bool NodeUsesOpenSsl3()
    {
        try
        {
            var psi = new ProcessStartInfo("node", ["-p", "process.versions.openssl"]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var p = Process.Start(psi);
            if (p is null) return false;
            var version = p.StandardOutput.ReadToEnd().Trim();
            if (!p.WaitForExit(10_000)) { p.Kill(); return false; }
            return p.ExitCode == 0 && int.TryParse(version.Split('.')[0], out var major) && major >= 3;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}

/// <summary>Runs programs like <see cref="Proc"/>, with an explicit environment for the child.</summary>
public static class ProcEnv
{
    public static RunResult Run(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string> env, TimeSpan? timeout = null)
    {
        var psi = Proc.StartInfo(file, args);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardInput.Close();
        var limit = timeout ?? Proc.DefaultTimeout;
        if (!p.WaitForExit(limit))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {limit.TotalSeconds:0}s");
        }
        p.WaitForExit();
        return new RunResult(p.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>
/// A <see cref="TestMount"/> whose remote tier is a bucket/prefix on a real <see cref="S3Server"/>,
/// configured through a tierfs.yaml (`remote: type: s3`), the daemon getting its credentials from
/// the standard AWS chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in its environment). Also the
/// outside view of the bucket (a plain SDK client) and of the backing tree (the stub records).
/// Dispose unmounts and deletes the tree (the server belongs to the caller).
/// </summary>
public sealed class S3TierMount : IDisposable
{
    public const string StubXattr = "trusted.tierfs.stub";

    private readonly string[] _mountArgs;
    private readonly AmazonS3Client _client;

    private S3TierMount(S3Server s3, TestMount m, string prefix, string configFile, string[] mountArgs)
    {
        S3 = s3;
        M = m;
        Prefix = prefix;
        ConfigFile = configFile;
        _mountArgs = mountArgs;
        _client = s3.RawClient();
    }

    public S3Server S3 { get; }
    public TestMount M { get; }
    /// <summary>The configured prefix, ending in '/'.</summary>
    public string Prefix { get; }
    public string ConfigFile { get; }

    public static IReadOnlyDictionary<string, string> AwsEnv => new Dictionary<string, string>
    {
        ["AWS_ACCESS_KEY_ID"] = S3Server.AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = S3Server.SecretKey,
        ["AWS_REGION"] = "us-east-1",
    };

    /// <summary>
    /// Makes a tree, writes tierfs.yaml (cluster LC_1111, the s3 remote with <paramref name="remoteYaml"/>
    /// lines added under `remote:`, then <paramref name="topYaml"/>, e.g. a pair) and mounts with
    /// <paramref name="mountArgs"/>.
    /// </summary>
    public static S3TierMount Start(S3Server s3, string prefix, string remoteYaml = "", string topYaml = "", params string[] mountArgs)
    {
        var m = TestMount.Create();
        try
        {
            var yaml = new StringBuilder();
            yaml.Append("cluster_id: LC_1111\n");
            yaml.Append("remote:\n");
            yaml.Append("  type: s3\n");
            yaml.Append(CultureInfo.InvariantCulture, $"  endpoint: {s3.Endpoint}\n");
            yaml.Append(CultureInfo.InvariantCulture, $"  bucket: {s3.Bucket}\n");
            yaml.Append(CultureInfo.InvariantCulture, $"  prefix: {prefix}\n");
            yaml.Append("  region: us-east-1\n");
            foreach (var line in remoteYaml.Split('\n', StringSplitOptions.RemoveEmptyEntries)) yaml.Append("  ").Append(line.Trim()).Append('\n');
            yaml.Append(topYaml);
            var config = Path.Combine(m.Root, "tierfs.yaml");
            File.WriteAllText(config, yaml.ToString());
            var t = new S3TierMount(s3, m, prefix.TrimEnd('/') + "/", config, mountArgs);
            t.Mount();
            return t;
        }
        catch
        {
            m.Dispose();
            throw;
        }
    }

    /// <summary>The pair of PRODUCT.md (LC_1111 heb_src ↔ LC_222 zz_desc) with the given remote role.</summary>
    public static string Pair(string remoteRole) =>
        "pair:\n" +
        "  name: heb\n" +
        "  local_share_path: /icfsdefault/namespace/heb_src\n" +
        "  remote_cluster_id: LC_222\n" +
        "  remote_share_path: /icfsdefault/namespace/zz_desc\n" +
        "  meta_sync_role: master\n" +
        $"  remote_role: {remoteRole}\n";

    public const string ContractValue = "LC_1111,/icfsdefault/namespace/heb_src,LC_222,/icfsdefault/namespace/zz_desc";

    /// <summary>Unmounts, points the remote tier at <paramref name="endpoint"/> (a proxy in front of the server), mounts again.</summary>
    public void RemountWithEndpoint(string endpoint)
    {
        var u = M.Unmount();
        if (u.ExitCode != 0) throw new InvalidOperationException($"unmount failed: {u}");
        File.WriteAllText(ConfigFile, System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(ConfigFile), "(?m)^  endpoint: .*$", $"  endpoint: {endpoint}"));
        Mount();
    }

    /// <summary>`tierfs mount` (again: a stale mount left by a killed daemon is cleared), credentials in its environment.</summary>
    public void Mount()
    {
        var r = ProcEnv.Run(Proc.Tierfs, ["mount", M.Backing, M.MountPoint, "--state-dir", M.StateDir, "--config", ConfigFile, .. _mountArgs], AwsEnv);
        if (r.ExitCode != 0) throw new InvalidOperationException($"tierfs mount failed: {r}\nlog: {M.Log}");
        if (!M.IsMounted) throw new InvalidOperationException($"tierfs mount returned 0 but nothing is mounted on {M.MountPoint}");
    }

    // ---- the bucket, seen from outside ----

    /// <summary>Objects under the prefix (+ <paramref name="under"/>): key relative to the prefix → size.</summary>
    public SortedDictionary<string, long> Objects(string under = "")
    {
        var found = new SortedDictionary<string, long>(StringComparer.Ordinal);
        string? token = null;
        do
        {
            var page = Retry(() => _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = S3.Bucket, Prefix = Prefix + under, ContinuationToken = token })
                .GetAwaiter().GetResult());
            foreach (var o in page.S3Objects ?? []) found[o.Key[Prefix.Length..]] = o.Size ?? 0;
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        return found;
    }

    /// <summary>Data objects (data/...) under the prefix.</summary>
    public SortedDictionary<string, long> DataObjects() => Objects("data/");

    /// <summary>A raw HEAD: the object's user metadata (keys without x-amz-meta-) and ETag, or null when there is none.</summary>
    public (Dictionary<string, string> Meta, string ETag, long Length)? Head(string key)
    {
        try
        {
            var h = Retry(() => _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = S3.Bucket, Key = Prefix + key }).GetAwaiter().GetResult());
            var meta = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var k in h.Metadata.Keys)
                meta[k.StartsWith("x-amz-meta-", StringComparison.OrdinalIgnoreCase) ? k["x-amz-meta-".Length..] : k] = h.Metadata[k];
            return (meta, h.ETag, h.ContentLength);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public bool Exists(string key) => Head(key) is not null;

    /// <summary>
    /// s3rver's store is plain files, not atomic: a HEAD or a listing that races with a delete
    /// TierFs is doing can answer 500. Such an answer is asked again (a few times, briefly).
    /// </summary>
    private static T Retry<T>(Func<T> call)
    {
        for (var attempt = 1; ; attempt++)
        {
            try { return call(); }
            catch (AmazonS3Exception e) when ((int)e.StatusCode >= 500 && attempt < 5) { Thread.Sleep(50); }
        }
    }

    /// <summary>Puts an object from outside (to damage or restore what TierFs wrote), with the given user metadata.</summary>
    public void Put(string key, byte[] body, IReadOnlyDictionary<string, string> meta)
    {
        var request = new PutObjectRequest { BucketName = S3.Bucket, Key = Prefix + key, InputStream = new MemoryStream(body), UseChunkEncoding = false };
        foreach (var (k, v) in meta) request.Metadata[k] = v;
        _client.PutObjectAsync(request).GetAwaiter().GetResult();
    }

    public void Delete(string key) => _client.DeleteObjectAsync(S3.Bucket, Prefix + key).GetAwaiter().GetResult();

    /// <summary>The body of an object (small records only).</summary>
    public string Body(string key) => Encoding.UTF8.GetString(Bytes(key));

    /// <summary>An object's bytes.</summary>
    public byte[] Bytes(string key)
    {
        using var r = _client.GetObjectAsync(S3.Bucket, Prefix + key).GetAwaiter().GetResult();
        using var copy = new MemoryStream();
        r.ResponseStream.CopyTo(copy);
        return copy.ToArray();
    }

    // ---- the backing tree, seen from outside ----

    /// <summary>The stub record (trusted.tierfs.stub) of a backing file, or null when it has none.</summary>
    public JsonElement? Record(string relative)
    {
        var rc = Px.TryGetXattr(M.B(relative), StubXattr, out var value);
        if (rc != 0) return null;
        return JsonDocument.Parse(value).RootElement.Clone();
    }

    public string ObjectKeyOf(string relative) =>
        Record(relative)?.GetProperty("key").GetString() ?? throw new InvalidOperationException($"{relative} has no stub record");

    public string FileIdOf(string relative) =>
        Record(relative)?.GetProperty("id").GetString() ?? throw new InvalidOperationException($"{relative} has no stub record");

    /// <summary>Blocks (512 B) the backing file holds.</summary>
    public long BackingBlocks(string relative) => Px.Stat(M.B(relative)).Blocks;

    // ---- the index ----

    /// <summary>Object keys the mount's index holds as pending remote deletions (read-only, from outside).</summary>
    public List<(string Key, string Reason, long DueMs)> PendingDeletes()
    {
        var db = Path.Combine(M.StateDir, "index.db");
        var list = new List<(string, string, long)>();
        if (!File.Exists(db)) return list;
        using var c = new SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT object_key, reason, due FROM pending_deletes";
        using var r = cmd.ExecuteReader();
        while (r.Read()) list.Add((r.GetString(0), r.GetString(1), r.GetInt64(2)));
        return list;
    }

    public void Dispose()
    {
        try { M.Dispose(); }
        finally { _client.Dispose(); }
    }
}
