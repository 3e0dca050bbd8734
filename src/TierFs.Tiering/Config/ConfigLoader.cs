using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace TierFs.Tiering.Config;

/// <summary>Reads and validates tierfs.yaml. Every problem is a <see cref="ConfigException"/> naming key and line.</summary>
public static class ConfigLoader
{
    public static TierFsConfig Load(string file)
    {
        string text;
        try { text = File.ReadAllText(file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"{file}: cannot read: {e.Message}");
        }
        return Parse(text, file);
    }

    public static TierFsConfig Parse(string text, string file = "config")
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(text)); }
        catch (YamlException e)
        {
            throw new ConfigException($"{file}:{e.Start.Line}: not valid YAML: {e.InnerException?.Message ?? e.Message}");
        }
        if (stream.Documents.Count == 0) return new TierFsConfig();
        if (stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new ConfigException($"{file}: expected key: value lines at the top level");

        var top = new YamlSection(file, "", root);
        var config = new TierFsConfig
        {
            ClusterId = top.String("cluster_id") ?? "local",
            Remote = ReadRemote(top),
            Pair = ReadPair(top),
            Policies = PolicyReader.ReadPolicies(top),
            Schedule = PolicyReader.ReadSchedule(top),
        };
        top.RejectUnknown();
        return config;
    }

    private static RemoteConfig ReadRemote(YamlSection top)
    {
        var s = top.Section("remote");
        if (s is null) return new RemoteConfig();
        var defaults = new RemoteConfig();
        var remote = new RemoteConfig
        {
            Type = s.Enum("type", RemoteType.Directory, ("directory", RemoteType.Directory), ("s3", RemoteType.S3)),
            Path = s.String("path"),
            Endpoint = s.String("endpoint"),
            Bucket = s.String("bucket"),
            Prefix = s.String("prefix") ?? "",
            Region = s.String("region") ?? defaults.Region,
            PartSize = s.Size("part_size", defaults.PartSize, 4096),
            Concurrency = s.Int("concurrency", defaults.Concurrency, 1, 64),
            RequestTimeout = s.Duration("request_timeout", defaults.RequestTimeout),
            DeleteGrace = s.Duration("delete_grace", defaults.DeleteGrace),
        };
        // A typo is the cause; a missing key would only be its consequence.
        s.RejectUnknown();
        if (remote.Type == RemoteType.S3)
        {
            if (string.IsNullOrEmpty(remote.Bucket)) throw s.Error("bucket", "is required with type: s3");
            if (remote.Path is not null) throw s.Error("path", "belongs to type: directory, not s3");
            // Credentials in the URL would be shown wherever the endpoint is (log lines, errors): never accepted, never echoed.
            if (remote.Endpoint?.Contains('@') == true && Uri.TryCreate(remote.Endpoint, UriKind.Absolute, out var withUser) && withUser.UserInfo.Length > 0)
                throw s.Error("endpoint", "must not hold credentials (user:secret@host): give them through AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or an AWS profile");
            if (remote.Endpoint is not null && !Uri.TryCreate(remote.Endpoint, UriKind.Absolute, out _))
                throw s.Error("endpoint", $"expected a URL like http://127.0.0.1:9000, got '{remote.Endpoint}'");
        }
        else
        {
            foreach (var (key, value) in new[] { ("endpoint", remote.Endpoint), ("bucket", remote.Bucket) })
                if (value is not null) throw s.Error(key, "belongs to type: s3, not directory");
            if (remote.Path is not null && !System.IO.Path.IsPathRooted(remote.Path))
                throw s.Error("path", $"expected an absolute path, got '{remote.Path}'");
        }
        return remote;
    }

    private static PairConfig? ReadPair(YamlSection top)
    {
        var s = top.Section("pair");
        if (s is null) return null;
        var pair = new PairConfig
        {
            Name = s.RequiredString("name"),
            LocalSharePath = s.RequiredString("local_share_path"),
            RemoteClusterId = s.RequiredString("remote_cluster_id"),
            RemoteSharePath = s.RequiredString("remote_share_path"),
            MetaSyncRole = s.Enum("meta_sync_role", MetaSyncRole.Master, ("master", MetaSyncRole.Master), ("slave", MetaSyncRole.Slave), ("1", MetaSyncRole.Master), ("0", MetaSyncRole.Slave)),
            RemoteRole = s.Enum("remote_role", RemoteRole.Gfs, ("gfs", RemoteRole.Gfs), ("gpeer", RemoteRole.Gpeer)),
        };
        s.RejectUnknown();
        return pair;
    }
}
