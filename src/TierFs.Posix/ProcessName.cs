namespace TierFs.Posix;

/// <summary>A process's command name (/proc/PID/comm), for log lines that say who did something.</summary>
public static class ProcessName
{
    /// <summary>"pid=P uid=U comm=NAME"; the name is "?" once the process is gone.</summary>
    public static string Describe(int pid, uint uid) => $"pid={pid} uid={uid} comm={Of(pid)}";

    public static string Of(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/comm").TrimEnd('\n'); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return "?"; }
    }
}
