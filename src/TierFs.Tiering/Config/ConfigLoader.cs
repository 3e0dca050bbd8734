using TierFs.Common;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace TierFs.Tiering.Config;

/// <summary>Reads and validates tierfs.yaml. Every problem is a <see cref="ConfigException"/> naming key and line.</summary>
public static class ConfigLoader
{
    public static TierFsConfig Load(string file)
    {
        string text;
        if (Directory.Exists(file)) throw new ConfigException($"{file}: cannot read: it is a directory");
        try { text = TierFs.Posix.Libc.GetEuid() == 0 ? TierFs.Posix.RootOnlyFile.ReadAllText(file) : File.ReadAllText(file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"{file}: cannot read: {e.Message}");
        }
        catch (TierFs.Posix.UntrustedFileException e)
        {
            // Root runs what it says (alarms.command) and does what its policies say: a user who
            // could write it, or replace it, would act as root.
            throw new ConfigException($"{file}: refused: {e.Message}; root acts on this file, so it must be root's alone (chown root, chmod go-w, and the same for its directories)");
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
            ClusterId = ContractField(top, "cluster_id", top.String("cluster_id")) ?? "local",
            LogLevel = top.Enum<LogLevel?>("log_level", null,
                ("debug", LogLevel.Debug), ("info", LogLevel.Info), ("warn", LogLevel.Warn), ("error", LogLevel.Error)),
            Remote = ReadRemote(top),
            Pair = ReadPair(top),
            MetaSync = ReadMetaSync(top),
            West = ReadWest(top),
            Policies = PolicyReader.ReadPolicies(top),
            Schedule = PolicyReader.ReadSchedule(top),
            Verify = OpsReader.ReadVerify(top),
            Alarms = OpsReader.ReadAlarms(top),
            MetricsListen = OpsReader.ReadMetricsListen(top),
            Node = PeerReader.ReadNode(top),
            Peer = PeerReader.ReadPeer(top),
            Recall = RecallReader.Read(top),
        };
        if (config.Peer is not null && config.Node.Listen is null)
            throw top.Error("peer", "needs node.listen too: each node pulls the other's log from the other's listener");
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
            Prefix = Prefix(s),
            Region = s.String("region") ?? defaults.Region,
            Concurrency = s.Int("concurrency", defaults.Concurrency, 1, 64),
            RequestTimeout = s.Duration("request_timeout", defaults.RequestTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)),
            DeleteGrace = s.Duration("delete_grace", defaults.DeleteGrace, TimeSpan.Zero, MaxDuration),
        };
        // S3 refuses parts below 5 MiB (but the last); a part is held in memory while it moves.
        remote = remote with { PartSize = s.Size("part_size", defaults.PartSize, remote.Type == RemoteType.S3 ? 5L << 20 : 4096, 1L << 30) };
        // A typo is the cause; a missing key would only be its consequence.
        s.RejectUnknown();
        if (remote.Type == RemoteType.S3)
        {
            if (string.IsNullOrEmpty(remote.Bucket)) throw s.Error("bucket", "is required with type: s3");
            if (remote.Bucket.Contains('/') || remote.Bucket.Any(char.IsWhiteSpace))
                throw s.Error("bucket", $"expected a bucket name (no '/' or blanks), got '{remote.Bucket}'");
            if (remote.Path is not null) throw s.Error("path", "belongs to type: directory, not s3");
            // Credentials in the URL would be shown wherever the endpoint is (log lines, errors): never accepted, never echoed.
            if (remote.Endpoint?.Contains('@') == true && Uri.TryCreate(remote.Endpoint, UriKind.Absolute, out var withUser) && withUser.UserInfo.Length > 0)
                throw s.Error("endpoint", "must not hold credentials (user:secret@host): give them through AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or an AWS profile");
            if (remote.Endpoint is not null && !(Uri.TryCreate(remote.Endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
                throw s.Error("endpoint", $"expected a URL like http://127.0.0.1:9000, got '{remote.Endpoint}'");
            if (string.IsNullOrWhiteSpace(remote.Region)) throw s.Error("region", "is empty");
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

    /// <summary>Durations longer than this (ten years) are typos, and would overflow the times they are added to.</summary>
    internal static readonly TimeSpan MaxDuration = TimeSpan.FromDays(3650);

    // The store's own rule for keys: no empty, "." or ".." segment, so objects cannot land outside the prefix.
    private static string Prefix(YamlSection s)
    {
        var prefix = s.String("prefix") ?? "";
        try { TierFs.Remote.RemoteKey.NormalizePrefix(prefix); }
        catch (ArgumentException e) { throw s.Error("prefix", $"'{prefix}' is not usable: {WithoutParameter(e)}"); }
        return prefix;
    }

    /// <summary>The message without the " (Parameter 'x')" that ArgumentException appends: the key is named already.</summary>
    public static string WithoutParameter(ArgumentException e) =>
        e.ParamName is { } p ? e.Message.Replace($" (Parameter '{p}')", "", StringComparison.Ordinal) : e.Message;

    // The S3 attribute value joins these with commas: a comma inside one would shift the fields.
    private static string? ContractField(YamlSection s, string key, string? value) =>
        value is not null && value.Contains(',') ? throw s.Error(key, $"must not contain ',' (the S3 attribute value is comma-separated), got '{value}'") : value;

    private static string RequiredContractField(YamlSection s, string key) => ContractField(s, key, s.RequiredString(key))!;

    // The name is a segment of the namespace's object keys (ns/NAME/...).
    private static string PairName(YamlSection s)
    {
        var name = s.RequiredString("name");
        if (name.Length > 128 || name is "." or ".." || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            throw s.Error("name", $"expected letters, digits, '.', '_' or '-' (at most 128; it names the pair's namespace in the remote tier), got '{name}'");
        return name;
    }

    private static MetaSyncConfig ReadMetaSync(YamlSection top)
    {
        var defaults = new MetaSyncConfig();
        var s = top.Section("meta_sync");
        if (s is null) return defaults;
        var sync = new MetaSyncConfig
        {
            Enabled = s.Enum("enabled", true, ("true", true), ("false", false), ("yes", true), ("no", false), ("on", true), ("off", false)),
            Interval = s.Duration("interval", defaults.Interval, TimeSpan.FromSeconds(1), TimeSpan.FromDays(30)),
            MaxDeltas = s.Int("max_deltas", defaults.MaxDeltas, 0, 10_000),
            KeepGenerations = s.Int("keep_generations", defaults.KeepGenerations, 0, 1000),
            PruneGrace = s.Duration("prune_grace", defaults.PruneGrace, TimeSpan.Zero, TimeSpan.FromDays(30)),
        };
        s.RejectUnknown();
        return sync;
    }

    private static WestConfig ReadWest(YamlSection top)
    {
        var defaults = new WestConfig();
        var s = top.Section("west");
        if (s is null) return defaults;
        var west = new WestConfig
        {
            Refresh = s.Duration("refresh", defaults.Refresh, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)),
            CacheSize = s.Size("cache_size", defaults.CacheSize, 16L << 20, 1L << 50),
            ReadAhead = s.Int("read_ahead", defaults.ReadAhead, 0, 64),
        };
        s.RejectUnknown();
        return west;
    }

    private static PairConfig? ReadPair(YamlSection top)
    {
        var s = top.Section("pair");
        if (s is null) return null;
        var pair = new PairConfig
        {
            Name = PairName(s),
            LocalSharePath = RequiredContractField(s, "local_share_path"),
            RemoteClusterId = RequiredContractField(s, "remote_cluster_id"),
            RemoteSharePath = RequiredContractField(s, "remote_share_path"),
            MetaSyncRole = s.Enum("meta_sync_role", MetaSyncRole.Master, ("master", MetaSyncRole.Master), ("slave", MetaSyncRole.Slave), ("1", MetaSyncRole.Master), ("0", MetaSyncRole.Slave)),
            RemoteRole = s.Enum("remote_role", RemoteRole.Gfs, ("gfs", RemoteRole.Gfs), ("gpeer", RemoteRole.Gpeer)),
        };
        s.RejectUnknown();
        return pair;
    }
}
