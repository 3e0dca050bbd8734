using System.Text;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Sinks.File;

namespace TierFs.Common.Logging;

/// <summary>
/// The log file, written by Serilog's file sink (one line per event, flushed per line). The
/// live file keeps its name: at <c>maxBytes</c> it is renamed to NAME.1 (NAME.1 to NAME.2 ...,
/// at most <c>keep</c> old files) and a new one started, the way logrotate names them, so that
/// `tail -F` and scripts always find the log where it was. <see cref="Reopen"/> closes and reopens
/// the file by name (logrotate renamed it, then sent SIGHUP). Every file is mode 0600: the log
/// names files in directories that not every user may list.
/// </summary>
public sealed class RotatingFileSink : ILogEventSink, IDisposable
{
    public const long DefaultMaxBytes = 64L << 20;
    public const int DefaultKeep = 5;

    private readonly Lock _gate = new();
    private readonly string _path;
    private readonly long _maxBytes;
    private readonly int _keep;
    private readonly ModeHooks _hooks = new();
    private Logger _file;

    public RotatingFileSink(string path, long maxBytes, int keep)
    {
        _path = Path.GetFullPath(path);
        _maxBytes = maxBytes;
        _keep = Math.Max(1, keep);
        _file = Open();
    }

    public void Emit(LogEvent logEvent)
    {
        lock (_gate)
        {
            _file.Write(logEvent);
            if (_maxBytes > 0 && _hooks.Length >= _maxBytes) Rotate();
        }
    }

    public void Reopen()
    {
        lock (_gate)
        {
            _file.Dispose();
            _file = Open();
        }
    }

    public void Dispose()
    {
        lock (_gate) _file.Dispose();
    }

    private void Rotate()
    {
        _file.Dispose();
        try
        {
            File.Delete($"{_path}.{_keep}");
            for (var i = _keep - 1; i >= 1; i--)
                if (File.Exists($"{_path}.{i}")) File.Move($"{_path}.{i}", $"{_path}.{i + 1}");
            File.Move(_path, $"{_path}.1");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Keep logging into the same file rather than lose lines.
            Serilog.Debugging.SelfLog.WriteLine("cannot rotate {0}: {1}", _path, e.Message);
        }
        _file = Open();
    }

    private Logger Open() => new LoggerConfiguration().MinimumLevel.Verbose()
        .WriteTo.File(new LineFormat(journal: false), _path, fileSizeLimitBytes: null, buffered: false, hooks: _hooks, encoding: new UTF8Encoding(false))
        .CreateLogger();

    /// <summary>Sets the mode on the open descriptor (no window by path) and tracks the size for rotation.</summary>
    private sealed class ModeHooks : FileLifecycleHooks
    {
        private FileStream? _stream;

        public long Length
        {
            get
            {
                try { return _stream?.Position ?? 0; }
                catch (ObjectDisposedException) { return 0; }
            }
        }

        public override Stream OnFileOpened(string path, Stream underlyingStream, Encoding encoding)
        {
            if (underlyingStream is FileStream file)
            {
                File.SetUnixFileMode(file.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                _stream = file;
            }
            return underlyingStream;
        }
    }
}
