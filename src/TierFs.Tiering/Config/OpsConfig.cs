using TierFs.Tiering.Control;

namespace TierFs.Tiering.Config;

/// <summary>The daemon's scheduled verify (the <c>verify</c> section): off when no interval is given.</summary>
public sealed record VerifyConfig
{
    /// <summary>A verify run this often; null: only `tierfs verify`.</summary>
    public TimeSpan? Interval { get; init; }
    /// <summary>Outside it no scheduled verify starts; null = any time.</summary>
    public TimeWindow? Window { get; init; }
    public VerifyLevel Level { get; init; } = VerifyLevel.Object;
    /// <summary>Files checked at once (HEAD requests in flight).</summary>
    public int Concurrency { get; init; } = 16;
}

/// <summary>What happens besides the alarms table and the log line when an alarm is raised (the <c>alarms</c> section).</summary>
public sealed record AlarmConfig
{
    /// <summary>Run with /bin/sh -c; the alarm in TIERFS_ALARM_* variables.</summary>
    public string? Command { get; init; }
    /// <summary>POSTed the alarm as JSON.</summary>
    public Uri? Webhook { get; init; }
    /// <summary>The command and the webhook each get at most this long.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>Reads the operator's sections: verify, alarms, metrics_listen.</summary>
internal static class OpsReader
{
    public static VerifyConfig ReadVerify(YamlSection top)
    {
        var s = top.Section("verify");
        if (s is null) return new VerifyConfig();
        var defaults = new VerifyConfig();
        var verify = new VerifyConfig
        {
            Interval = s.String("interval") is null ? null : s.Duration("interval", TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromDays(365)),
            Window = PolicyReader.ReadWindow(s),
            Level = s.Enum("level", defaults.Level, ("meta", VerifyLevel.Meta), ("object", VerifyLevel.Object), ("data", VerifyLevel.Data)),
            Concurrency = s.Int("concurrency", defaults.Concurrency, 1, 256),
        };
        s.RejectUnknown();
        return verify;
    }

    public static AlarmConfig ReadAlarms(YamlSection top)
    {
        var s = top.Section("alarms");
        if (s is null) return new AlarmConfig();
        var command = s.String("command");
        var webhook = s.String("webhook");
        Uri? uri = null;
        if (webhook is not null)
        {
            if (!Uri.TryCreate(webhook, UriKind.Absolute, out uri) || uri.Scheme is not ("http" or "https"))
                throw s.Error("webhook", $"expected an http:// or https:// URL, got '{webhook}'");
            if (uri.UserInfo.Length > 0) throw s.Error("webhook", "must not hold credentials (user:secret@host)");
        }
        var alarms = new AlarmConfig
        {
            Command = string.IsNullOrWhiteSpace(command) ? null : command,
            Webhook = uri,
            Timeout = s.Duration("timeout", new AlarmConfig().Timeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10)),
        };
        s.RejectUnknown();
        return alarms;
    }

    /// <summary>metrics_listen: HOST:PORT (an IP address or localhost), or null (off).</summary>
    public static string? ReadMetricsListen(YamlSection top)
    {
        var text = top.String("metrics_listen");
        if (text is null) return null;
        var colon = text.LastIndexOf(':');
        var host = colon > 0 ? text[..colon].Trim('[', ']') : "";
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], out var port) || port is < 1 or > 65535 ||
            !(host == "localhost" || System.Net.IPAddress.TryParse(host, out _)))
            throw top.Error("metrics_listen", $"expected HOST:PORT with an IP address or localhost, like 127.0.0.1:9464, got '{text}'");
        return text;
    }
}
