using TierFs.Tiering.Control;

namespace TierFs.Cli.Commands.Tier;

/// <summary>
/// Where a run's output goes: result lines on stdout, failures on stderr, and (in the
/// subclasses) a progress display. This base shows no progress (`tierfs state`, short answers).
/// All output passes through here so that a live progress bar is never torn by a stray line.
/// </summary>
public class ProgressView(TextWriter stdout, TextWriter stderr)
{
    protected TransferTally Tally { get; } = new();

    public virtual void Out(string line) => stdout.WriteLine(line);

    public virtual void Error(string line) => stderr.WriteLine(line);

    public void Expect(int? files) => Tally.Expect(files);

    public void Planned(int files, long bytes)
    {
        Tally.Planned(files, bytes);
        Changed();
    }

    public void Progress(string key, string shown, long done, long total)
    {
        Tally.Progress(key, shown, done, total);
        Changed();
    }

    /// <summary>A file is finished; <paramref name="ok"/> false counts it as failed.</summary>
    public void FileDone(string key, bool ok = true)
    {
        Tally.FileDone(key, ok);
        Changed();
    }

    /// <summary>Called after every report, on the thread that reads the socket.</summary>
    protected virtual void Changed() { }

    /// <summary>The run is over (or interrupted): finish the display.</summary>
    public virtual Task StopAsync() => Task.CompletedTask;

    /// <summary>No progress for `state`; a bar when stderr is a terminal; else a line every few seconds.</summary>
    public static ProgressView For(TierOp op)
    {
        if (op is TierOp.State or TierOp.Check) return new ProgressView(Console.Out, Console.Error);
        if (!Console.IsErrorRedirected && ProgressBarView.TryCreate(op) is { } bar) return bar;
        return new PeriodicLinesView(op, Console.Out, Console.Error);
    }
}
