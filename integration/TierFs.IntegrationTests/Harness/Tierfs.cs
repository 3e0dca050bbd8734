using System.Diagnostics;

namespace TierFs.IntegrationTests.Harness;

public sealed record RunResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>Runs programs (tierfs itself, coreutils, vim, ...) with a bounded wait.</summary>
public static class Proc
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The tierfs program built next to the tests.</summary>
    public static string Tierfs => Path.Combine(AppContext.BaseDirectory, "tierfs");

    /// <summary>A child with its arguments, its three streams redirected, working in <paramref name="workDir"/> (default /).</summary>
    public static ProcessStartInfo StartInfo(string file, IEnumerable<string> args, string? workDir = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workDir ?? "/",
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        return psi;
    }

    public static RunResult Run(string file, IEnumerable<string> args, TimeSpan? timeout = null, string? stdin = null, string? workDir = null)
    {
        var psi = StartInfo(file, args, workDir);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        var limit = timeout ?? DefaultTimeout;
        if (!p.WaitForExit(limit))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {limit.TotalSeconds:0}s");
        }
        p.WaitForExit();
        return new RunResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    public static RunResult Run(string file, params string[] args) => Run(file, (IEnumerable<string>)args);

    /// <summary>Runs <paramref name="command"/> as nobody:nogroup without supplementary groups: a user with no rights to root's files.</summary>
    public static RunResult RunAsNobody(IEnumerable<string> command, TimeSpan? timeout = null) =>
        Run("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", .. command], timeout);

    public static RunResult TierfsRun(params string[] args) => Run(Tierfs, args);

    /// <summary>Runs and requires exit status 0.</summary>
    public static RunResult Check(string file, params string[] args)
    {
        var r = Run(file, args);
        if (r.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {r}");
        return r;
    }

    /// <summary>Polls <paramref name="condition"/> until true or the timeout passes.</summary>
    public static bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (condition()) return true;
            Thread.Sleep(20);
        }
        return condition();
    }
}
