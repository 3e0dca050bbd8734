using TierFs.Common;

namespace TierFs.Tests.Fakes;

/// <summary>
/// The process's log lines, as the daemon's log file would hold them: one file sink added once
/// per test process (the log is global), removed when the process ends. A test reads the lines
/// written since it took a <see cref="Mark"/>.
/// </summary>
internal static class CapturedLog
{
    private static readonly Lazy<string> File = new(() =>
    {
        var path = Path.Combine(Path.GetTempPath(), $"tierfs-tests-{Environment.ProcessId}.log");
        Log.AddFile(path, maxBytes: 0);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { System.IO.File.Delete(path); } catch (IOException) { } };
        return path;
    });

    /// <summary>Where the log ends now.</summary>
    public static long Mark() => new FileInfo(File.Value).Length;

    /// <summary>The lines written since <paramref name="mark"/>.</summary>
    public static string[] Since(long mark)
    {
        using var f = new FileStream(File.Value, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        f.Seek(mark, SeekOrigin.Begin);
        return new StreamReader(f).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
