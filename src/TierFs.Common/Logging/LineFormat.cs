using System.Globalization;
using Serilog.Events;
using Serilog.Formatting;

namespace TierFs.Common.Logging;

/// <summary>
/// TierFs's log line: "2026-11-21T12:00:00.123Z INFO  mount: message" (UTC, level padded to 5,
/// source, the message on one line). For the journal (stderr of a systemd service) the time is
/// left out, the journal keeps its own, and the level is given as a syslog priority prefix
/// ("&lt;3&gt;"), which journald turns into the entry's priority.
/// </summary>
public sealed class LineFormat(bool journal) : ITextFormatter
{
    public const string SourceProperty = "Source";
    public const string MessageProperty = "Message";

    /// <summary>The format for stderr: the journal's when stderr is the journal.</summary>
    public static LineFormat ForStderr() => new(StderrIsJournal());

    /// <summary>
    /// systemd sets JOURNAL_STREAM=DEV:INO for a service whose stderr is the journal's socket; the
    /// variable is inherited by programs started from such a service whose stderr is something
    /// else, so, as systemd asks, it counts only when stderr is still that socket.
    /// </summary>
    public static bool StderrIsJournal()
    {
        if (Environment.GetEnvironmentVariable("JOURNAL_STREAM")?.Split(':') is not [_, var ino]) return false;
        try { return new FileInfo("/proc/self/fd/2").LinkTarget == $"socket:[{ino}]"; }
        catch (IOException) { return false; }
    }

    public void Format(LogEvent e, TextWriter output)
    {
        var source = Text(e, SourceProperty);
        var message = Text(e, MessageProperty);
        output.Write(journal
            ? $"<{Priority(e.Level)}>{LevelName(e.Level)} {source}: {OneLine(message)}"
            : Line(e.Timestamp.UtcDateTime, e.Level, source, message));
        output.Write('\n');
    }

    public static string Line(DateTime utc, LogEventLevel level, string source, string message) =>
        $"{utc.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)} {LevelName(level),-5} {source}: {OneLine(message)}";

    public static string OneLine(string? s) => s is null ? "" : s.Replace("\r", "").Replace('\n', ' ');

    private static string Text(LogEvent e, string name) =>
        e.Properties.TryGetValue(name, out var v) && v is ScalarValue { Value: string s } ? s : "";

    private static string LevelName(LogEventLevel level) => level switch
    {
        <= LogEventLevel.Debug => "DEBUG",
        LogEventLevel.Information => "INFO",
        LogEventLevel.Warning => "WARN",
        _ => "ERROR",
    };

    // syslog(3): 3 err, 4 warning, 6 info, 7 debug.
    private static int Priority(LogEventLevel level) => level switch
    {
        <= LogEventLevel.Debug => 7,
        LogEventLevel.Information => 6,
        LogEventLevel.Warning => 4,
        _ => 3,
    };
}
