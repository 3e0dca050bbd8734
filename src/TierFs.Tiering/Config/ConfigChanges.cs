namespace TierFs.Tiering.Config;

/// <summary>How a running mount can take a changed key.</summary>
public enum ChangeKind
{
    /// <summary>Taken at once by a reload.</summary>
    Live,
    /// <summary>The remote tier's identity (type, bucket or path, prefix): the stubs are bound to it; never on a running mount.</summary>
    Identity,
    /// <summary>Only by mounting again (the cluster id and the pair are written into every object).</summary>
    Remount,
}

/// <summary>One key whose value differs between the configuration in force and a new one.</summary>
public sealed record ConfigChange(string Key, string Old, string New, ChangeKind Kind)
{
    /// <summary>"schedule.interval: 10m → 5m".</summary>
    public override string ToString() => $"{Key}: {Old} → {New}";
}

/// <summary>What `tierfs reload` would change, key by key, and whether a running mount may change it.</summary>
public static class ConfigChanges
{
    /// <param name="defaultArchive">Where the archive is when a directory remote names no path (the mount's state dir).</param>
    public static IReadOnlyList<ConfigChange> Between(TierFsConfig old, TierFsConfig @new, string defaultArchive)
    {
        ArgumentNullException.ThrowIfNull(old);
        ArgumentNullException.ThrowIfNull(@new);
        var changes = new List<ConfigChange>();
        void Compare(string key, object? a, object? b, ChangeKind kind)
        {
            var (x, y) = (Text(a), Text(b));
            if (x != y) changes.Add(new ConfigChange(key, x, y, kind));
        }
        var (r, n) = (old.Remote, @new.Remote);
        Compare("remote.type", r.Type, n.Type, ChangeKind.Identity);
        Compare("remote.bucket", r.Bucket, n.Bucket, ChangeKind.Identity);
        Compare("remote.path", ArchivePath(r, defaultArchive), ArchivePath(n, defaultArchive), ChangeKind.Identity);
        Compare("remote.prefix", r.Prefix.Trim('/'), n.Prefix.Trim('/'), ChangeKind.Identity);
        Compare("cluster_id", old.ClusterId, @new.ClusterId, ChangeKind.Remount);
        Compare("pair", old.Pair, @new.Pair, ChangeKind.Remount);
        // The node's name is in every log entry it wrote; the link listens and connects once, at mount.
        Compare("node.name", old.Node.Name, @new.Node.Name, ChangeKind.Remount);
        Compare("node.listen", old.Node.Listen, @new.Node.Listen, ChangeKind.Remount);
        Compare("node.tls_certificate", old.Node.TlsCertificate, @new.Node.TlsCertificate, ChangeKind.Remount);
        Compare("peer.url", old.Peer?.Url, @new.Peer?.Url, ChangeKind.Remount);
        Compare("peer.secret_file", old.Peer?.SecretFile, @new.Peer?.SecretFile, ChangeKind.Remount);
        Compare("peer.ca_file", old.Peer?.CaFile, @new.Peer?.CaFile, ChangeKind.Remount);
        Compare("remote.endpoint", r.Endpoint, n.Endpoint, ChangeKind.Live);
        Compare("remote.region", r.Region, n.Region, ChangeKind.Live);
        Compare("remote.part_size", Units.FormatSize(r.PartSize), Units.FormatSize(n.PartSize), ChangeKind.Live);
        Compare("remote.concurrency", r.Concurrency, n.Concurrency, ChangeKind.Live);
        Compare("remote.request_timeout", Units.FormatDuration(r.RequestTimeout), Units.FormatDuration(n.RequestTimeout), ChangeKind.Live);
        Compare("remote.delete_grace", Units.FormatDuration(r.DeleteGrace), Units.FormatDuration(n.DeleteGrace), ChangeKind.Live);
        Compare("log_level", old.LogLevel, @new.LogLevel, ChangeKind.Live);
        // Policies and schedule as wholes: any difference (even of a line number) is a new list to run.
        if (!old.Policies.SequenceEqual(@new.Policies))
            changes.Add(new ConfigChange("policies", $"{old.Policies.Count} policies", $"{@new.Policies.Count} policies", ChangeKind.Live));
        var (a, b) = (old.Schedule, @new.Schedule);
        Compare("schedule.interval", Units.FormatDuration(a.Interval), Units.FormatDuration(b.Interval), ChangeKind.Live);
        Compare("schedule.window", a.Window, b.Window, ChangeKind.Live);
        Compare("schedule.workers", a.Workers, b.Workers, ChangeKind.Live);
        Compare("schedule.usage_high", a.UsageHigh, b.UsageHigh, ChangeKind.Live);
        Compare("schedule.usage_low", a.UsageLow, b.UsageLow, ChangeKind.Live);
        Compare("schedule.min_age", Units.FormatDuration(a.MinAge), Units.FormatDuration(b.MinAge), ChangeKind.Live);
        Compare("schedule.retries", a.Retries, b.Retries, ChangeKind.Live);
        Compare("schedule.retry_backoff", Units.FormatDuration(a.RetryBackoff), Units.FormatDuration(b.RetryBackoff), ChangeKind.Live);
        var (v, w) = (old.Verify, @new.Verify);
        Compare("verify.interval", v.Interval is { } vi ? Units.FormatDuration(vi) : null, w.Interval is { } wi ? Units.FormatDuration(wi) : null, ChangeKind.Live);
        Compare("verify.window", v.Window, w.Window, ChangeKind.Live);
        Compare("verify.level", v.Level, w.Level, ChangeKind.Live);
        Compare("verify.concurrency", v.Concurrency, w.Concurrency, ChangeKind.Live);
        Compare("alarms.command", old.Alarms.Command, @new.Alarms.Command, ChangeKind.Live);
        Compare("alarms.webhook", old.Alarms.Webhook, @new.Alarms.Webhook, ChangeKind.Live);
        Compare("alarms.timeout", Units.FormatDuration(old.Alarms.Timeout), Units.FormatDuration(@new.Alarms.Timeout), ChangeKind.Live);
        Compare("metrics_listen", old.MetricsListen, @new.MetricsListen, ChangeKind.Remount);
        var (rc, rn) = (old.Recall, @new.Recall);
        Compare("recall.deny_commands", List(rc.DenyCommands), List(rn.DenyCommands), ChangeKind.Live);
        Compare("recall.deny_uids", List(rc.DenyUids), List(rn.DenyUids), ChangeKind.Live);
        Compare("recall.deny_gids", List(rc.DenyGids), List(rn.DenyGids), ChangeKind.Live);
        Compare("recall.allow_uids", List(rc.AllowUids), List(rn.AllowUids), ChangeKind.Live);
        Compare("recall.allow_gids", List(rc.AllowGids), List(rn.AllowGids), ChangeKind.Live);
        Compare("recall.max_concurrent", rc.MaxConcurrent, rn.MaxConcurrent, ChangeKind.Live);
        Compare("recall.max_queued", rc.MaxQueued, rn.MaxQueued, ChangeKind.Live);
        return changes;
    }

    private static string List<T>(IEnumerable<T> items) => $"[{string.Join(", ", items)}]";

    /// <summary>True when a change needs the remote store made again (a new client or new transfer settings).</summary>
    public static bool NeedsNewStore(IEnumerable<ConfigChange> changes) =>
        changes.Any(c => c.Kind == ChangeKind.Live && c.Key.StartsWith("remote.", StringComparison.Ordinal) && c.Key != "remote.delete_grace");

    private static string? ArchivePath(RemoteConfig r, string defaultArchive) =>
        r.Type == RemoteType.Directory ? Path.GetFullPath(r.Path ?? defaultArchive).TrimEnd('/') : null;

    private static string Text(object? value) => value switch
    {
        null => "none",
        "" => "''",
        Enum e => e.ToString().ToLowerInvariant(),
        _ => value.ToString() ?? "none",
    };
}
