using System.Diagnostics;
using System.Text.Json;
using TierFs.Fuse;

namespace TierFs.IntegrationTests.Harness;

/// <summary>The daemon behind a test mount, found through its /run/tierfs record, and the processes around it.</summary>
public static class DaemonProcess
{
    /// <summary>The pid in the runtime record of <paramref name="m"/>'s mountpoint.</summary>
    public static int PidOf(TestMount m)
    {
        foreach (var file in Directory.Exists("/run/tierfs") ? Directory.GetFiles("/run/tierfs", "*.json") : [])
        {
            try
            {
                var root = JsonDocument.Parse(File.ReadAllText(file)).RootElement;
                if (root.GetProperty("MountPoint").GetString() == m.MountPoint) return root.GetProperty("Pid").GetInt32();
            }
            catch (Exception e) when (e is IOException or JsonException or KeyNotFoundException) { }
        }
        throw new InvalidOperationException($"no /run/tierfs record for {m.MountPoint}");
    }

    public static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}") && !IsZombie(pid);

    private static bool IsZombie(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/stat").Split(')')[^1].TrimStart().StartsWith('Z'); }
        catch (IOException) { return false; }
    }

    /// <summary>Open descriptors of a process but its assemblies and libraries (see <see cref="OpenDescriptors"/>); -1 once it is gone.</summary>
    public static int FdCount(int pid) => Directory.Exists($"/proc/{pid}") ? Descriptors(pid).Count(d => !IsCode(d)) : -1;

    /// <summary>
    /// A process's open descriptors that are not O_PATH ones (those, one per inode the kernel remembers,
    /// come and go with its lookups and forgets) nor the runtime's assemblies and libraries (loaded when
    /// first used, at any time: System.ComponentModel.dll made a count one over its baseline): its files,
    /// sockets, pipes. -1 once it is gone.
    /// </summary>
    public static int OpenDescriptors(int pid) => Directory.Exists($"/proc/{pid}") ? Descriptors(pid).Count(d => !IsOPath(d) && !IsCode(d)) : -1;

    /// <summary>
    /// What a leaked descriptor would show in, to compare with the same taken before (<see cref="Added"/>):
    /// the open descriptors but the runtime's code, O_PATH ones unless <paramref name="withOPath"/>, and
    /// those of the index's database file itself. SQLite does not close a connection's descriptor of
    /// a database while another connection of the process holds a lock on it (the close would drop
    /// that one's POSIX locks; in WAL mode every open connection holds one): it keeps it for the next
    /// connection to reuse. Two connections open at once, then closed, leave one more descriptor of
    /// index.db than before for as long as the daemon runs: bounded, no leak. A leaked connection
    /// still shows, by its -wal file.
    /// </summary>
    public static List<string> Comparable(int pid, bool withOPath) =>
        [.. Descriptors(pid).Where(d => !IsCode(d) && (withOPath || !IsOPath(d)) && !IsIndexDatabase(d))];

    /// <summary>The descriptors of <paramref name="now"/> that <paramref name="before"/> did not have, counted as a multiset (one more of a target already open is new).</summary>
    public static List<string> Added(IEnumerable<string> before, IEnumerable<string> now)
    {
        var left = before.GroupBy(d => d).ToDictionary(g => g.Key, g => g.Count());
        var added = new List<string>();
        foreach (var d in now)
        {
            if (left.TryGetValue(d, out var n) && n > 0) left[d] = n - 1;
            else added.Add(d);
        }
        return added;
    }

    private static bool IsIndexDatabase(string descriptor) => TargetOf(descriptor).EndsWith("/index.db", StringComparison.Ordinal);

    private static bool IsOPath(string descriptor) => descriptor.EndsWith(" O_PATH)", StringComparison.Ordinal);

    /// <summary>What a descriptor (as <see cref="Descriptors"/> shows it) is open on, without its flags.</summary>
    private static string TargetOf(string descriptor) => descriptor[..descriptor.LastIndexOf(" (", StringComparison.Ordinal)];

    /// <summary>A descriptor (as <see cref="Descriptors"/> shows it) of an assembly or a shared library.</summary>
    private static bool IsCode(string descriptor)
    {
        var target = TargetOf(descriptor);
        return target.EndsWith(".dll", StringComparison.Ordinal) || target.EndsWith(".so", StringComparison.Ordinal) || target.Contains(".so.", StringComparison.Ordinal);
    }

    /// <summary>Each open descriptor of a process as "target (flags: octal)", O_PATH ones marked, for a failure message.</summary>
    public static IReadOnlyList<string> Descriptors(int pid)
    {
        const int O_PATH = 0x200000;
        var found = new List<string>();
        try
        {
            foreach (var fd in Directory.GetFileSystemEntries($"/proc/{pid}/fd"))
            {
                try
                {
                    var flags = File.ReadLines($"/proc/{pid}/fdinfo/{Path.GetFileName(fd)}").First(l => l.StartsWith("flags:", StringComparison.Ordinal));
                    var path = (Convert.ToInt32(flags["flags:".Length..].Trim(), 8) & O_PATH) != 0 ? " O_PATH" : "";
                    found.Add($"{new FileInfo(fd).LinkTarget} ({flags.Trim()}{path})");
                }
                catch (Exception e) when (e is IOException or InvalidOperationException) { } // closed meanwhile
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return found;
    }

    /// <summary>
    /// The daemon's descriptors that are open files or directory streams under <paramref name="backing"/>:
    /// its file handles. (Its O_PATH descriptors, one per inode the kernel remembers, come and go
    /// with the kernel's lookups and forgets and are not counted.) -1 once the process is gone.
    /// </summary>
    public static int OpenHandles(int pid, string backing)
    {
        const int O_PATH = 0x200000;
        var count = 0;
        try
        {
            foreach (var fd in Directory.GetFileSystemEntries($"/proc/{pid}/fd"))
            {
                try
                {
                    var target = new FileInfo(fd).LinkTarget;
                    // The backing root itself is the daemon's own (it reopens inodes by handle through it).
                    if (target is null || !target.StartsWith(backing + "/", StringComparison.Ordinal)) continue;
                    var flagsLine = File.ReadLines($"/proc/{pid}/fdinfo/{Path.GetFileName(fd)}").First(l => l.StartsWith("flags:", StringComparison.Ordinal));
                    var flags = Convert.ToInt32(flagsLine["flags:".Length..].Trim(), 8);
                    if ((flags & O_PATH) == 0) count++;
                }
                catch (Exception e) when (e is IOException or InvalidOperationException) { } // closed meanwhile
            }
            return count;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return -1; }
    }

    /// <summary>Pids whose command line mentions <paramref name="text"/> (this process excluded).</summary>
    public static List<int> ProcessesMentioning(string text)
    {
        var found = new List<int>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Contains(text, StringComparison.Ordinal) && !IsZombie(pid))
                    found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return found;
    }

    /// <summary>FUSE mounts at or below <paramref name="root"/>.</summary>
    public static List<MountInfo> MountsUnder(string root) =>
        MountTable.Read().Where(x => (x.MountPoint == root || x.MountPoint.StartsWith(root + "/", StringComparison.Ordinal)) && x.FsType.StartsWith("fuse", StringComparison.Ordinal)).ToList();
}

/// <summary>
/// A client process (bash) that holds files open on a mount: it prints "ready" once its
/// descriptors are open, then waits for a line on stdin before running the rest of its script.
/// Disposing kills it if it still runs.
/// </summary>
public sealed class Client : IDisposable
{
    private readonly Process _p;
    private readonly Task<string> _stderr;

    public Client(string holdScript, string afterScript, params string[] args)
    {
        var psi = new ProcessStartInfo("bash")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add($"{holdScript}\necho ready\nread -r _\n{afterScript}");
        psi.ArgumentList.Add("client");
        foreach (var a in args) psi.ArgumentList.Add(a);
        _p = Process.Start(psi)!;
        _stderr = _p.StandardError.ReadToEndAsync();
        var ready = _p.StandardOutput.ReadLineAsync();
        if (!ready.Wait(TimeSpan.FromSeconds(20)) || ready.Result != "ready")
        {
            Dispose();
            throw new InvalidOperationException($"the client did not get ready: {(_stderr.IsCompleted ? _stderr.Result : "")}");
        }
    }

    public int Pid => _p.Id;

    private Task<string>? _stdout;

    /// <summary>Lets the client go on with the rest of its script.</summary>
    public void Go()
    {
        if (_stdout is not null) return;
        _p.StandardInput.WriteLine("go");
        _p.StandardInput.Close();
        _stdout = _p.StandardOutput.ReadToEndAsync();
    }

    /// <summary>Lets the client go on and waits (bounded) for it to finish; null if it did not.</summary>
    public RunResult? Continue(TimeSpan timeout)
    {
        Go();
        if (!_p.WaitForExit(timeout)) return null;
        _p.WaitForExit();
        return new RunResult(_p.ExitCode, _stdout!.Result, _stderr.Result);
    }

    /// <summary>True while a child of the client (the command it runs now) waits for a file lock.</summary>
    public bool ChildWaitsForLock()
    {
        try
        {
            var children = File.ReadAllText($"/proc/{Pid}/task/{Pid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return children.Any(c => File.ReadAllText($"/proc/{c}/wchan").Contains("locks_lock_inode_wait", StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return false;
        }
    }

    public bool WaitForExit(TimeSpan timeout) => _p.WaitForExit(timeout);

    public void Dispose()
    {
        try
        {
            if (!_p.HasExited) _p.Kill(entireProcessTree: true);
            _p.WaitForExit(10_000);
        }
        catch (InvalidOperationException) { }
        _p.Dispose();
    }
}
