using System.Diagnostics;
using TierFs.Tiering.Control;

namespace TierFs.Cli.Commands.Tier;

/// <summary>
/// Progress for logs and pipes: "migrate: 3/10 files, 1.2 GiB/4.0 GiB" on stderr at most every
/// <see cref="Interval"/>, the first only once a run has lasted that long (a short run prints
/// nothing), and a last line when any was printed.
/// </summary>
public sealed class PeriodicLinesView : ProgressView
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    private readonly string _op;
    private readonly TextWriter _stderr;
    private readonly Func<TimeSpan> _clock;
    private TimeSpan _lastLine;
    private bool _printed;

    public PeriodicLinesView(TierOp op, TextWriter stdout, TextWriter stderr, Func<TimeSpan>? clock = null) : base(stdout, stderr)
    {
        _op = ControlProtocol.OpName(op);
        _stderr = stderr;
        var sw = Stopwatch.StartNew();
        _clock = clock ?? (() => sw.Elapsed);
        _lastLine = _clock();
    }

    protected override void Changed()
    {
        var now = _clock();
        if (now - _lastLine < Interval) return;
        _lastLine = now;
        _printed = true;
        _stderr.WriteLine($"{_op}: {Tally.Snapshot().Summary}");
    }

    public override Task StopAsync()
    {
        if (_printed) _stderr.WriteLine($"{_op}: {Tally.Snapshot().Summary}");
        return Task.CompletedTask;
    }
}
