using TierFs.Host;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using TierFs.Common;
using TierFs.Posix;

namespace TierFs.Cli.Mounting;

/// <summary>
/// `tierfs mount` without --foreground: start this program again as a detached child (never
/// fork a .NET process), relay its messages until it reports READY, then return. The child
/// leaves the terminal's session and, once ready, lets go of the parent's pipes.
/// </summary>
public static partial class Daemonize
{
    public const string ChildFlag = "--daemon-child";
    private const string ReadyLine = "TIERFS-READY";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private const string Gen0SizeVariable = "DOTNET_GCgen0size";
    private const string Gen0Size = "1000000"; // hex: 16 MiB
    private const string CallCountingDelayVariable = "DOTNET_TC_CallCountingDelayMs";

    /// <summary>In the parent: start the child and wait for it. Returns the exit status.</summary>
    public static int StartDetached(IReadOnlyList<string> args)
    {
        var psi = new ProcessStartInfo(Environment.ProcessPath!)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // Run through `dotnet tierfs.dll` (development) or the published apphost alike.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
            psi.ArgumentList.Add(Environment.GetCommandLineArgs()[0]);
        foreach (var a in args) psi.ArgumentList.Add(a);
        // A small young-generation budget (16 MiB) keeps a long-lived daemon that allocates in
        // bursts (a scan of a million files) near its working set: measured 137 MB instead of
        // 171 MB resident with 1M files indexed (integration/bench/daemon-rss.sh). Only settable
        // from the environment; an administrator's own value wins.
        psi.Environment.TryAdd(Gen0SizeVariable, Gen0Size);
        // Hot code optimised as soon as it is hot: the runtime otherwise waits for 100 ms without a
        // new method compiled, which a daemon serving varied requests rarely sees, and the hashing
        // of recalls ran unoptimised for many of them. Measured: a fresh daemon's first 1 GiB recall
        // 3.3 s and 3.9 CPU-s instead of 5.3 s and 7.5; the price is paid once, at start: a mount
        // 0.2 s slower and about 0.6 CPU-s more compiling in its first seconds. Delays of 10 and 30 ms
        // saved nothing (README, "Streaming recall").
        psi.Environment.TryAdd(CallCountingDelayVariable, "0");
        psi.ArgumentList.Add("--foreground");
        psi.ArgumentList.Add(ChildFlag);

        CloseInheritedOnExec();
        using var child = Process.Start(psi) ?? throw new CommandException("cannot start the mount daemon");
        child.StandardInput.Close();
        var errors = child.StandardError.ReadToEndAsync();
        var ready = Task.Run(() =>
        {
            string? line;
            while ((line = child.StandardOutput.ReadLine()) is not null)
                if (line == ReadyLine) return true;
            return false;
        });
        if (!ready.Wait(StartTimeout))
        {
            child.Kill(entireProcessTree: true);
            throw new CommandException($"the mount daemon did not become ready within {StartTimeout.TotalSeconds:0}s");
        }
        if (ready.Result) return 0;
        child.WaitForExit(10_000);
        var text = errors.Wait(5000) ? WhatFailed(errors.Result) : "";
        Console.Error.WriteLine(text.Length > 0 ? text : "tierfs: the mount daemon exited before it was ready");
        return child.HasExited && child.ExitCode != 0 ? child.ExitCode : 1;
    }

    /// <summary>
    /// What the child said before it failed, for the admin's terminal: its warnings, errors and last
    /// line, not its progress (INFO and DEBUG log lines are in the log file).
    /// </summary>
    internal static string WhatFailed(string stderr)
    {
        static bool Progress(string line) =>
            line.Length > 25 && line[4] == '-' && line[10] == 'T' && (line[25..].StartsWith("INFO ", StringComparison.Ordinal) || line[25..].StartsWith("DEBUG", StringComparison.Ordinal));
        return string.Join('\n', stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => !Progress(l)));
    }

    /// <summary>In the child, first thing: leave the parent's session and terminal.</summary>
    public static void DetachFromTerminal() => SetSid();

    /// <summary>In the child, once serving: tell the parent, then drop its pipes.</summary>
    public static void ReportReady()
    {
        Console.Out.WriteLine(ReadyLine);
        Console.Out.Flush();
        var devNull = Open("/dev/null", 2);
        if (devNull >= 0)
        {
            // .NET's Console keeps duplicates of 0-2 of its own: they go to /dev/null too, or every
            // log line would still be written to the parent's pipe after the parent has exited (EPIPE).
            foreach (var fd in DescriptorsOfPipesOf([0, 1, 2]))
                Dup2(devNull, fd);
            if (devNull > 2) Close(devNull);
        }
        Log.Info("mount", $"daemon {Environment.ProcessId} ready");
    }

    /// <summary>
    /// Descriptors this command inherited beyond 0-2 (a CI runner's pipes, a shell's redirections)
    /// must not live on in the daemon: held open there, a pipe never reaches its end for whoever
    /// reads it. .NET opens its own descriptors close-on-exec; these are made so too.
    /// </summary>
    private static void CloseInheritedOnExec()
    {
        foreach (var fd in OpenDescriptors().Where(fd => fd > 2))
        {
            var flags = Libc.FcntlInt(fd, Libc.F_GETFD, 0);
            if (flags >= 0 && (flags & Libc.FD_CLOEXEC) == 0) Libc.FcntlInt(fd, Libc.F_SETFD, flags | Libc.FD_CLOEXEC);
        }
    }

    /// <summary>This process's descriptors, as /proc lists them.</summary>
    private static IEnumerable<int> OpenDescriptors() =>
        Directory.GetFileSystemEntries("/proc/self/fd")
            .Select(entry => int.TryParse(Path.GetFileName(entry), CultureInfo.InvariantCulture, out var fd) ? fd : -1)
            .Where(fd => fd >= 0);

    /// <summary>The descriptors (these among them) open on the same pipes as <paramref name="fds"/>: only pipes, never a file that may be the log.</summary>
    private static List<int> DescriptorsOfPipesOf(int[] fds)
    {
        static string? Target(int fd)
        {
            try { return new FileInfo($"/proc/self/fd/{fd}").LinkTarget; }
            catch (IOException) { return null; }
        }
        var pipes = fds.Select(Target).Where(t => t?.StartsWith("pipe:[", StringComparison.Ordinal) == true).ToHashSet();
        var found = new List<int>(fds);
        if (pipes.Count == 0) return found;
        foreach (var fd in OpenDescriptors())
            if (!found.Contains(fd) && Target(fd) is { } t && pipes.Contains(t))
                found.Add(fd);
        return found;
    }

    [LibraryImport("libc", EntryPoint = "setsid")]
    private static partial int SetSid();

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "dup2")]
    private static partial int Dup2(int oldfd, int newfd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
