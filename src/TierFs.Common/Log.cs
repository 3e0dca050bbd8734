using System.Globalization;
using System.Text;

namespace TierFs.Common;

public enum LogLevel { Debug, Info, Warn, Error }

/// <summary>
/// One line per event: "2026-11-21T12:00:00.123Z INFO  mount: message". Writes go to the sinks
/// in order; the file sink is flushed per line so that a crash loses nothing already logged.
/// </summary>
public static class Log
{
    private static readonly Lock Gate = new();
    private static readonly List<TextWriter> Sinks = [];

    public static LogLevel Level { get; set; } = LogLevel.Info;

    public static void AddSink(TextWriter writer)
    {
        lock (Gate) Sinks.Add(writer);
    }

    /// <summary>Opens (appending) a log file, creating its directory.</summary>
    public static void AddFile(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        AddSink(new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true });
    }

    /// <summary>
    /// Reopens the log files (SIGHUP, after logrotate moved them). A stub here: the logging work of
    /// issue 9 (item 20) gives it its body; the mount's SIGHUP handler already calls it.
    /// </summary>
    public static void Reopen()
    {
    }

    public static void ClearSinks()
    {
        lock (Gate)
        {
            foreach (var s in Sinks) s.Flush();
            Sinks.Clear();
        }
    }

    public static void Debug(string source, string message) => Write(LogLevel.Debug, source, message);
    public static void Info(string source, string message) => Write(LogLevel.Info, source, message);
    public static void Warn(string source, string message) => Write(LogLevel.Warn, source, message);
    public static void Error(string source, string message, Exception? e = null) =>
        Write(LogLevel.Error, source, e is null ? message : $"{message}: {e.GetType().Name}: {e.Message} {OneLine(e.StackTrace)}");

    public static bool IsEnabled(LogLevel level) => level >= Level;

    public static void Write(LogLevel level, string source, string message)
    {
        if (level < Level) return;
        var line = Format(DateTime.UtcNow, level, source, message);
        lock (Gate)
        {
            foreach (var s in Sinks)
            {
                try { s.WriteLine(line); } catch (IOException) { } catch (ObjectDisposedException) { }
            }
        }
    }

    internal static string Format(DateTime utc, LogLevel level, string source, string message) =>
        $"{utc.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)} {LevelName(level),-5} {source}: {OneLine(message)}";

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Debug => "DEBUG",
        LogLevel.Info => "INFO",
        LogLevel.Warn => "WARN",
        _ => "ERROR",
    };

    private static string OneLine(string? s) => s is null ? "" : s.Replace("\r", "").Replace('\n', ' ');
}
