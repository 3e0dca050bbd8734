using System.Diagnostics;

namespace TierFs.IntegrationTests.Harness;

/// <summary>
/// A program left running while the test acts around it (a `tierfs recall` to interrupt with
/// SIGINT, as Ctrl-C does): its output is collected, its end awaited with a bound, and Dispose
/// kills it if it still runs (also after a failed test).
/// </summary>
public sealed class Running : IDisposable
{
    private readonly Process _p;
    private readonly Task<string> _stdout, _stderr;

    private Running(Process p)
    {
        _p = p;
        _stdout = p.StandardOutput.ReadToEndAsync();
        _stderr = p.StandardError.ReadToEndAsync();
        p.StandardInput.Close();
    }

    public int Pid => _p.Id;

    public bool HasExited => _p.HasExited;

    public static Running Start(string file, params string[] args) =>
        new(Process.Start(Proc.StartInfo(file, args)) ?? throw new InvalidOperationException($"cannot start {file}"));

    /// <summary>SIGINT, as Ctrl-C on its terminal sends it.</summary>
    public void Interrupt()
    {
        if (Px.Kill(_p.Id, Px.SIGINT) != 0 && !_p.HasExited) throw new InvalidOperationException($"kill({_p.Id}, SIGINT) failed");
    }

    /// <summary>Its exit status and output, once it has ended (within <paramref name="bound"/>).</summary>
    public RunResult WaitForExit(TimeSpan bound)
    {
        if (!_p.WaitForExit(bound)) throw new TimeoutException($"pid {_p.Id} did not end within {bound.TotalSeconds:0} s");
        _p.WaitForExit();
        return new RunResult(_p.ExitCode, _stdout.Result, _stderr.Result);
    }

    public void Dispose()
    {
        try
        {
            if (!_p.HasExited)
            {
                _p.Kill(entireProcessTree: true);
                _p.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException) { }
        finally
        {
            _p.Dispose();
        }
    }
}
