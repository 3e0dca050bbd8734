using System.Diagnostics;
using System.Net.Http.Json;
using TierFs.Common;
using TierFs.Index;
using TierFs.Tiering.Config;

namespace TierFs.Ops.Alarms;

/// <summary>
/// Tells the outside world of an alarm, as the `alarms` section says: runs the command (through
/// /bin/sh -c, the alarm in TIERFS_ALARM_* variables) and POSTs the alarm as JSON to the webhook,
/// each bounded by alarms.timeout, in the background; a failure is a warning in the log, never the
/// verify's failure.
/// </summary>
public sealed class AlarmNotifier(ConfigHolder configs, string mountPoint) : IDisposable
{
    private const string Source = "alarm";
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private readonly List<Task> _pending = [];

    public void Notify(AlarmRow alarm)
    {
        var config = configs.Current.Alarms;
        lock (_pending)
        {
            _pending.RemoveAll(t => t.IsCompleted);
            if (config.Command is { } command) _pending.Add(Task.Run(() => RunCommand(command, alarm, config.Timeout)));
            if (config.Webhook is { } url) _pending.Add(Task.Run(() => PostAsync(url, alarm, config.Timeout)));
        }
    }

    /// <summary>Waits (bounded) for notifications under way: tests, and a mount that stops.</summary>
    public bool WaitIdle(TimeSpan limit)
    {
        Task[] all;
        lock (_pending) all = [.. _pending];
        try { return Task.WaitAll(all, limit); }
        catch (AggregateException) { return true; }
    }

    private void RunCommand(string command, AlarmRow alarm, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" };
        psi.ArgumentList.Add("-c");
        // The usual umask, whatever started the daemon (a shell with umask 0, say): what the command
        // writes as root is not everyone's to change. Its own umask line still wins.
        psi.ArgumentList.Add("umask 022\n" + command);
        psi.Environment["TIERFS_ALARM_ID"] = alarm.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["TIERFS_ALARM_SOURCE"] = alarm.Source;
        psi.Environment["TIERFS_ALARM_RUN"] = alarm.Run?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "";
        psi.Environment["TIERFS_ALARM_MESSAGE"] = alarm.Message;
        psi.Environment["TIERFS_MOUNT"] = mountPoint;
        try
        {
            using var p = Process.Start(psi)!;
            p.StandardInput.Close();
            var stderr = p.StandardError.ReadToEndAsync();
            _ = p.StandardOutput.ReadToEndAsync();
            if (!p.WaitForExit(timeout))
            {
                p.Kill(entireProcessTree: true);
                Log.Warn(Source, $"alarm {alarm.Id}: alarms.command did not finish within {Units.FormatDuration(timeout)}; killed");
                return;
            }
            if (p.ExitCode != 0)
                Log.Warn(Source, $"alarm {alarm.Id}: alarms.command exited with {p.ExitCode}: {stderr.Result.Trim().ReplaceLineEndings(" ")}");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            Log.Warn(Source, $"alarm {alarm.Id}: cannot run alarms.command: {e.Message}");
        }
    }

    private async Task PostAsync(Uri url, AlarmRow alarm, TimeSpan timeout)
    {
        using var bounded = new CancellationTokenSource(timeout);
        try
        {
            using var response = await _http.PostAsJsonAsync(url, new
            {
                id = alarm.Id,
                raised = DateTimeOffset.FromUnixTimeMilliseconds(alarm.RaisedMs),
                source = alarm.Source,
                run = alarm.Run,
                message = alarm.Message,
                mount = mountPoint,
            }, bounded.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                Log.Warn(Source, $"alarm {alarm.Id}: the webhook {url.GetLeftPart(UriPartial.Path)} answered {(int)response.StatusCode}");
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            Log.Warn(Source, $"alarm {alarm.Id}: the webhook {url.GetLeftPart(UriPartial.Path)} failed: {(e is OperationCanceledException ? $"no answer within {Units.FormatDuration(timeout)}" : e.Message)}");
        }
    }

    public void Dispose()
    {
        WaitIdle(TimeSpan.FromSeconds(5));
        _http.Dispose();
    }
}
