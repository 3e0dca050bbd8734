namespace TierFs.Common;

/// <summary>
/// The last net under every command: an exception nothing else handled is a bug. The user gets one
/// line; the stack trace goes to the mount's log when there is one, else to stderr with TIERFS_TRACE=1.
/// </summary>
public static class CrashReport
{
    /// <summary>The log file of the mount this process serves (set once the mount opened it).</summary>
    public static string? LogFile { get; set; }

    private static bool TraceRequested => Environment.GetEnvironmentVariable("TIERFS_TRACE") is { Length: > 0 } and not "0";

    /// <summary>Prints the one line and files the trace; returns the exit status (1).</summary>
    public static int Report(Exception e)
    {
        var where = LogFile is { } log && Append(log, e) ? $"the trace is in {log}" : TraceRequested ? "trace below" : "TIERFS_TRACE=1 prints the trace";
        Console.Error.WriteLine($"tierfs: internal error: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ").Trim()} ({where})");
        if (TraceRequested) Console.Error.WriteLine(e);
        return 1;
    }

    private static bool Append(string logFile, Exception e)
    {
        try
        {
            File.AppendAllText(logFile, $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} ERROR cli: unhandled exception: {e}\n");
            return true;
        }
        catch (Exception io) when (io is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
