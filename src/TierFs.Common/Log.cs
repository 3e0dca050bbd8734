using Serilog;
using Serilog.Core;
using Serilog.Events;
using TierFs.Common.Logging;

namespace TierFs.Common;

public enum LogLevel { Debug, Info, Warn, Error }

/// <summary>
/// One line per event: "2026-11-21T12:00:00.123Z INFO  mount: message", written through Serilog:
/// to a log file (flushed per line, so a crash loses nothing already logged; mode 0600; rotated
/// by size and reopened on SIGHUP, see <see cref="RotatingFileSink"/>) and, in the foreground, to
/// stderr (under systemd without the time, which the journal adds, see <see cref="LineFormat"/>).
/// Callers name their source and say one thing: <c>Log.Info("mount", "mounted ...")</c>.
/// </summary>
public static class Log
{
    private static readonly Lock Gate = new();
    private static readonly List<ILogEventSink> Sinks = [];
    private static readonly LoggingLevelSwitch LevelSwitch = new(LogEventLevel.Information);
    private static readonly MessageTemplate Template = new Serilog.Parsing.MessageTemplateParser().Parse("{" + LineFormat.MessageProperty + "}");
    private static Logger _logger = Build();

    public static LogLevel Level
    {
        get => FromSerilog(LevelSwitch.MinimumLevel);
        set => LevelSwitch.MinimumLevel = ToSerilog(value);
    }

    /// <summary>Parses a level name (debug, info, warn, error); null for anything else.</summary>
    public static LogLevel? ParseLevel(string? name) => name?.ToLowerInvariant() switch
    {
        "debug" => LogLevel.Debug,
        "info" => LogLevel.Info,
        "warn" or "warning" => LogLevel.Warn,
        "error" => LogLevel.Error,
        _ => null,
    };

    /// <summary>Lines also go to stderr: with the time, or without it when stderr is the journal.</summary>
    public static void ToStderr() =>
        Add(new LoggerConfiguration().MinimumLevel.Verbose()
            .WriteTo.Console(LineFormat.ForStderr(), standardErrorFromLevel: LogEventLevel.Verbose).CreateLogger());

    /// <summary>Appends to a log file (creating it 0600, and its directory), rotated at <paramref name="maxBytes"/> (0: never) keeping <paramref name="keep"/> old files.</summary>
    public static void AddFile(string path, long maxBytes = RotatingFileSink.DefaultMaxBytes, int keep = RotatingFileSink.DefaultKeep)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        Add(new RotatingFileSink(path, maxBytes, keep));
    }

    /// <summary>Closes and reopens the log files by name (after logrotate moved them; SIGHUP).</summary>
    public static void Reopen()
    {
        lock (Gate)
            foreach (var sink in Sinks.OfType<RotatingFileSink>()) sink.Reopen();
    }

    public static void ClearSinks()
    {
        lock (Gate)
        {
            foreach (var s in Sinks) (s as IDisposable)?.Dispose();
            Sinks.Clear();
            _logger = Build();
        }
    }

    public static void Debug(string source, string message) => Write(LogLevel.Debug, source, message);
    public static void Info(string source, string message) => Write(LogLevel.Info, source, message);
    public static void Warn(string source, string message) => Write(LogLevel.Warn, source, message);
    public static void Error(string source, string message, Exception? e = null) =>
        Write(LogLevel.Error, source, e is null ? message : $"{message}: {e.GetType().Name}: {e.Message} {LineFormat.OneLine(e.StackTrace)}");

    public static bool IsEnabled(LogLevel level) => LevelSwitch.MinimumLevel <= ToSerilog(level);

    public static void Write(LogLevel level, string source, string message)
    {
        if (!IsEnabled(level)) return;
        Volatile.Read(ref _logger).Write(Event(level, source, message));
    }

    // The message is a value, never a template: braces in file names stay as they are.
    internal static LogEvent Event(LogLevel level, string source, string message) =>
        new(DateTimeOffset.UtcNow, ToSerilog(level), null, Template,
            [new LogEventProperty(LineFormat.SourceProperty, new ScalarValue(source)), new LogEventProperty(LineFormat.MessageProperty, new ScalarValue(message))]);

    internal static string Format(DateTime utc, LogLevel level, string source, string message) =>
        LineFormat.Line(utc, ToSerilog(level), source, message);

    private static void Add(ILogEventSink sink)
    {
        lock (Gate)
        {
            Sinks.Add(sink);
            _logger = Build();
        }
    }

    // Rebuilt when the sinks change (at start-up); the old logger is dropped, not disposed, as it shares the sinks.
    private static Logger Build()
    {
        var config = new LoggerConfiguration().MinimumLevel.ControlledBy(LevelSwitch);
        foreach (var s in Sinks) config.WriteTo.Sink(s);
        return config.CreateLogger();
    }

    private static LogEventLevel ToSerilog(LogLevel level) => level switch
    {
        LogLevel.Debug => LogEventLevel.Debug,
        LogLevel.Info => LogEventLevel.Information,
        LogLevel.Warn => LogEventLevel.Warning,
        _ => LogEventLevel.Error,
    };

    private static LogLevel FromSerilog(LogEventLevel level) => level switch
    {
        <= LogEventLevel.Debug => LogLevel.Debug,
        LogEventLevel.Information => LogLevel.Info,
        LogEventLevel.Warning => LogLevel.Warn,
        _ => LogLevel.Error,
    };
}
