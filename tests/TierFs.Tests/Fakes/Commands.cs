using System.Diagnostics;

namespace TierFs.Tests.Fakes;

/// <summary>System commands a test needs for its setup (chown, mkfifo, ln), and what /proc says of a process.</summary>
public static class Commands
{
    /// <summary>Runs <paramref name="file"/> and asserts it ended with status 0 within a minute.</summary>
    public static void Ok(string file, params string[] args)
    {
        using var p = Process.Start(file, args);
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(1)), $"{file} {string.Join(' ', args)} did not end within a minute");
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)}: exit {p.ExitCode}");
    }

    /// <summary>The "Umask:" of a /proc status file ("0022"): /proc/self/status, /proc/thread-self/status, /proc/PID/status.</summary>
    public static string Umask(string statusFile = "/proc/self/status") =>
        File.ReadAllLines(statusFile).Single(l => l.StartsWith("Umask:", StringComparison.Ordinal))[6..].Trim();
}
