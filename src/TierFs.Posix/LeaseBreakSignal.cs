using System.Runtime.InteropServices;

namespace TierFs.Posix;

/// <summary>
/// Taking a lease makes the taker the file's owner for signals (the kernel's lease_setup), so when
/// another open breaks it the kernel sends the process SIGIO, whose default action ends it: a virus
/// scanner or a backup agent opening a file while the daemon released it killed the daemon and its
/// mount. Nothing in TierFs waits for that signal (the opener waits, the lease is dropped right after),
/// so it is ignored, once, before the first lease; a handler someone else installed is left alone.
/// </summary>
public static partial class LeaseBreakSignal
{
    public const int SIGIO = 29;
    private static readonly IntPtr SigDfl = 0, SigIgn = 1;
    private static int _done;

    public static void Ignore()
    {
        if (Volatile.Read(ref _done) != 0 || Interlocked.Exchange(ref _done, 1) != 0) return;
        var previous = Signal(SIGIO, SigIgn);
        if (previous != SigDfl && previous != SigIgn) Signal(SIGIO, previous);
    }

    /// <summary>Whether the process ignores SIGIO now (/proc/self/status SigIgn).</summary>
    public static bool Ignored()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("SigIgn:", StringComparison.Ordinal))
                return ((Convert.ToUInt64(line[7..].Trim(), 16) >> (SIGIO - 1)) & 1) == 1;
        return false;
    }

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial IntPtr Signal(int signum, IntPtr handler);
}
