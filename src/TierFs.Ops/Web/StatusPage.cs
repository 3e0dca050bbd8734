using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using TierFs.Ops.Metrics;

namespace TierFs.Ops.Web;

/// <summary>
/// The status page: plain HTML rendered here from one <see cref="OpsSnapshot"/> (tier usage, the
/// daemon's job under way and its last jobs, verify runs, open alarms, the peer), with the rates of
/// the last hours as data that /chart.js draws. Every number an administrator might compare with
/// the CLI carries its exact value (data-value) and an id.
/// </summary>
public static class StatusPage
{
    public static string Render(OpsSnapshot s, RateHistory rates)
    {
        var h = new StringBuilder();
        h.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"30\">");
        h.Append(CultureInfo.InvariantCulture, $"<title>TierFs {E(s.MountPoint)}</title><style>{Style}</style><script src=\"/chart.js\" defer></script></head><body>");
        h.Append(CultureInfo.InvariantCulture, $"<h1>TierFs <span id=\"mount\">{E(s.MountPoint)}</span></h1><p class=\"at\">as of {Local(s.At)}</p>");

        h.Append("<section><h2>Tier usage</h2><table id=\"states\"><tr><th>state</th><th>files</th><th>bytes</th><th>on disk</th></tr>");
        foreach (var st in s.States)
            h.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{st.State}</td>{Num($"files-{st.State}", st.Files)}{Bytes($"bytes-{st.State}", st.Bytes)}{Bytes($"ondisk-{st.State}", st.OnDisk)}</tr>");
        h.Append(CultureInfo.InvariantCulture,
            $"<tr class=\"total\"><td>total</td>{Num("files-total", s.States.Sum(x => x.Files))}{Bytes("bytes-total", s.States.Sum(x => x.Bytes))}{Bytes("ondisk-total", s.States.Sum(x => x.OnDisk))}</tr></table>");
        h.Append(CultureInfo.InvariantCulture,
            $"<p>Remote tier: {Num("remote-objects", s.Remote.Sum(r => r.Objects), "span")} objects, {Bytes("remote-bytes", s.Remote.Sum(r => r.Bytes), "span")}; " +
            $"pending remote deletions: {Num("pending-deletes", s.PendingDeletes.Count, "span")}. Backing filesystem: {Bytes("backing-used", s.BackingUsed, "span")} of {Bytes("backing-size", s.BackingSize, "span")} " +
            $"({(s.BackingSize > 0 ? 100.0 * s.BackingUsed / s.BackingSize : 0):0.#}%). In flight: {Num("recalls-in-flight", s.RecallsInFlight, "span")} recalls, {Num("transfers-in-flight", s.TransfersInFlight, "span")} transfers.</p>");
        h.Append(CultureInfo.InvariantCulture, $"<p>Last scan: {(s.LastScan is { } scan ? $"{Local(scan.Finished)}, {scan.Entries} entries" : "never")}</p></section>");

        Daemon(h, s);
        Rates(h, rates);
        Verify(h, s);
        Alarms(h, s);
        h.Append("<section><h2>Peer</h2><p id=\"peer\">");
        h.Append(s.Peer is { } p
            ? $"{(p.PeerNode is { } n ? $"{E(n)} ({E(p.Url)})" : E(p.Url))}: {(p.Reachable ? "reachable" : "unreachable")}" +
              (p.Since is { } since ? $" since {Local(since)}" : "") + (!p.Reachable && p.LastError is { } err ? $" ({E(err)})" : "") +
              $"; log entries waiting: <span id=\"peer-waiting-in\">{p.WaitingIn}</span> to receive, <span id=\"peer-waiting-out\">{p.WaitingOut}</span> to send"
            : "no peer configured");
        h.Append("</p></section></body></html>");
        return h.ToString();
    }

    private static void Daemon(StringBuilder h, OpsSnapshot s)
    {
        h.Append("<section><h2>Daemon</h2>");
        var st = s.Status;
        if (st.ValueKind != JsonValueKind.Object)
        {
            h.Append("<p>no status</p></section>");
            return;
        }
        h.Append(CultureInfo.InvariantCulture, $"<p id=\"schedule\">{(st.GetProperty("periodic").GetBoolean() ? $"every {E(st.GetProperty("interval").GetString())}" + (st.GetProperty("window").GetString() is { } w ? $" within {E(w)}" : "") : "off (no periodic runs)")}</p>");
        if (st.GetProperty("running") is { ValueKind: JsonValueKind.Object } run && run.GetProperty("job") is { ValueKind: JsonValueKind.Object } job)
        {
            var planned = job.GetProperty("plannedBytes").GetInt64();
            var bytes = job.GetProperty("bytes").GetInt64();
            var percent = planned > 0 ? Math.Min(100, 100 * bytes / planned) : 100;
            h.Append(CultureInfo.InvariantCulture,
                $"<p id=\"current-job\">job {job.GetProperty("id").GetInt64()} {E(job.GetProperty("policy").GetString())} ({E(job.GetProperty("action").GetString())}): " +
                $"{job.GetProperty("files").GetInt64()}/{job.GetProperty("planned").GetInt64()} files, {Human(bytes)}/{Human(planned)} " +
                $"<progress max=\"100\" value=\"{percent}\">{percent}%</progress> {percent}%</p>");
        }
        else h.Append("<p id=\"current-job\">running: nothing</p>");
        var (qf, qb) = s.Queue;
        h.Append(CultureInfo.InvariantCulture, $"<p>Queue: {Num("queue-files", qf, "span")} files, {Bytes("queue-bytes", qb, "span")}</p>");
        h.Append("<table id=\"jobs\"><tr><th>job</th><th>started</th><th>policy</th><th>action</th><th>files</th><th>bytes</th><th>skipped</th><th>failed</th><th>seconds</th><th>status</th></tr>");
        foreach (var j in st.GetProperty("jobs").EnumerateArray().Reverse())
            h.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{j.GetProperty("id").GetInt64()}</td><td>{Local(DateTimeOffset.FromUnixTimeMilliseconds(j.GetProperty("started").GetInt64()))}</td>" +
                $"<td>{E(j.GetProperty("policy").GetString() ?? j.GetProperty("kind").GetString())}</td><td>{E(j.GetProperty("action").GetString())}</td>" +
                $"<td class=\"n\">{j.GetProperty("files").GetInt64()}</td><td class=\"n\">{Human(j.GetProperty("bytes").GetInt64())}</td><td class=\"n\">{j.GetProperty("skipped").GetInt64()}</td>" +
                $"<td class=\"n\">{j.GetProperty("failed").GetInt64()}</td><td class=\"n\">{j.GetProperty("seconds").GetDouble().ToString("0.0", CultureInfo.InvariantCulture)}</td><td>{E(j.GetProperty("status").GetString())}</td></tr>");
        h.Append("</table></section>");
    }

    private static void Rates(StringBuilder h, RateHistory rates)
    {
        h.Append(CultureInfo.InvariantCulture, $"<section><h2>Rates, last {rates.Span.TotalHours:0} hours (bytes per minute, since the mount started)</h2>");
        foreach (var (op, title) in new[] { ("archive", "migrated (archived)"), ("recall", "recalled"), ("release", "released") })
        {
            var points = JsonSerializer.Serialize(rates.Series(op).Select(p => new[] { p.Minute.ToUnixTimeSeconds(), p.Bytes }));
            var files = rates.Series(op).Sum(p => p.Files);
            h.Append(CultureInfo.InvariantCulture, $"<figure><figcaption>{title}: <span id=\"rate-files-{op}\">{files}</span> files</figcaption>" +
                                                   $"<div class=\"chart\" id=\"chart-{op}\" data-points=\"{E(points)}\"></div></figure>");
        }
        h.Append("</section>");
    }

    private static void Verify(StringBuilder h, OpsSnapshot s)
    {
        h.Append(CultureInfo.InvariantCulture, $"<section><h2>Verify</h2><p>Last run that found the tiers in agreement: <span id=\"last-clean-verify\">{(s.LastCleanVerify is { } c ? Local(DateTimeOffset.FromUnixTimeMilliseconds(c.FinishedMs)) : "never")}</span></p>");
        h.Append("<table id=\"verify-runs\"><tr><th>run</th><th>started</th><th>level</th><th>by</th><th>files</th><th>differences</th><th>status</th></tr>");
        foreach (var r in s.VerifyRuns.Reverse())
            h.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{r.Id}</td><td>{Local(DateTimeOffset.FromUnixTimeMilliseconds(r.StartedMs))}</td><td>{r.Level}</td><td>{r.Trigger}</td><td class=\"n\">{r.Files}</td><td class=\"n\">{r.Differences}</td><td>{r.Status}</td></tr>");
        h.Append("</table></section>");
    }

    private static void Alarms(StringBuilder h, OpsSnapshot s)
    {
        h.Append(CultureInfo.InvariantCulture, $"<section><h2>Open alarms: <span id=\"open-alarms\">{s.OpenAlarms.Count}</span></h2><table id=\"alarms\"><tr><th>id</th><th>raised</th><th>message</th></tr>");
        foreach (var a in s.OpenAlarms)
            h.Append(CultureInfo.InvariantCulture, $"<tr class=\"alarm\"><td>{a.Id}</td><td>{Local(DateTimeOffset.FromUnixTimeMilliseconds(a.RaisedMs))}</td><td>{E(a.Message)}</td></tr>");
        h.Append("</table></section>");
    }

    private static string Num(string id, long value, string tag = "td") =>
        $"<{tag} id=\"{id}\" class=\"n\" data-value=\"{value.ToString(CultureInfo.InvariantCulture)}\">{value.ToString(CultureInfo.InvariantCulture)}</{tag}>";

    private static string Bytes(string id, long value, string tag = "td") =>
        $"<{tag} id=\"{id}\" class=\"n\" data-value=\"{value.ToString(CultureInfo.InvariantCulture)}\" title=\"{value.ToString(CultureInfo.InvariantCulture)} bytes\">{Human(value)}</{tag}>";

    /// <summary>Binary units, one decimal: 1.5 GiB.</summary>
    public static string Human(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        double v = bytes;
        var i = 0;
        while (v >= 1024 && i < units.Length - 1) { v /= 1024; i++; }
        return i == 0 ? $"{bytes} B" : v.ToString("0.0", CultureInfo.InvariantCulture) + " " + units[i];
    }

    private static string Local(DateTimeOffset t) => t.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    private const string Style =
        "body{font-family:sans-serif;margin:1.5em;color:#222;max-width:72em}h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.4em}" +
        "table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.2em .6em;text-align:left}.n{text-align:right}" +
        "tr.total td{font-weight:bold}.at{color:#666}.alarm td{color:#a00}figure{display:inline-block;margin:0 1.5em 1em 0}" +
        ".chart svg{border:1px solid #ccc;background:#fafafa}progress{width:12em}";
}
