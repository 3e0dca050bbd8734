using Spectre.Console;
using TierFs.Tiering.Control;

namespace TierFs.Cli.Commands.Tier;

/// <summary>
/// Progress on a terminal: one overall bar on stderr (bytes done of total, the files count and
/// the file being moved), drawn by Spectre.Console once a run has lasted <see cref="ShowAfter"/>
/// (a quick run leaves no bar behind). While the bar is drawn, lines are printed above it.
/// </summary>
public sealed class ProgressBarView : ProgressView
{
    public static readonly TimeSpan ShowAfter = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(100);
    private const int MaxNameLength = 48;

    private readonly string _op;
    private readonly IAnsiConsole _console;
    private readonly bool _stdoutIsTerminal;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _display;
    private bool _live;

    private ProgressBarView(TierOp op, IAnsiConsole console) : base(Console.Out, Console.Error)
    {
        _op = ControlProtocol.OpName(op);
        _console = console;
        _stdoutIsTerminal = !Console.IsOutputRedirected;
        _display = Task.Run(ShowAsync);
    }

    /// <summary>Null when stderr cannot draw a bar (no ANSI support, TERM=dumb).</summary>
    public static ProgressBarView? TryCreate(TierOp op)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Error),
            Ansi = AnsiSupport.Detect,
            ColorSystem = ColorSystemSupport.Detect,
            Interactive = InteractionSupport.Yes,
        });
        return console.Profile.Capabilities.Ansi ? new ProgressBarView(op, console) : null;
    }

    // Lines for stdout go above the bar too when stdout is the same terminal; else as usual.
    public override void Out(string line)
    {
        lock (_gate)
        {
            if (_live && _stdoutIsTerminal) _console.WriteLine(line);
            else base.Out(line);
        }
    }

    public override void Error(string line)
    {
        lock (_gate)
        {
            if (_live) _console.WriteLine(line);
            else base.Error(line);
        }
    }

    public override async Task StopAsync()
    {
        _stop.Cancel();
        await _display;
    }

    private async Task ShowAsync()
    {
        try { await Task.Delay(ShowAfter, _stop.Token); }
        catch (OperationCanceledException) { return; }
        lock (_gate) _live = true;
        try
        {
            await _console.Progress()
                .AutoClear(false)
                .HideCompleted(false)
                .Columns(new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new TaskDescriptionColumn { Alignment = Justify.Left })
                .StartAsync(async ctx =>
                {
                    var task = ctx.AddTask(_op, autoStart: true, maxValue: 1);
                    while (!_stop.IsCancellationRequested)
                    {
                        Update(task);
                        try { await Task.Delay(Refresh, _stop.Token); }
                        catch (OperationCanceledException) { }
                    }
                    Update(task);
                    ctx.Refresh();
                });
        }
        finally
        {
            lock (_gate) _live = false;
        }
    }

    private void Update(ProgressTask task)
    {
        var s = Tally.Snapshot();
        if (s.BytesTotal > 0)
        {
            task.IsIndeterminate = false;
            task.MaxValue = s.BytesTotal;
            task.Value = Math.Min(s.BytesDone, s.BytesTotal);
        }
        else task.IsIndeterminate = true;
        var name = s.Current is { } c ? "  " + Shorten(c) : "";
        task.Description = Markup.Escape($"{_op}: {s.Summary}{name}");
    }

    // Keeps the end of a long path, which names the file.
    private static string Shorten(string path) =>
        path.Length <= MaxNameLength ? path : "…" + path[^(MaxNameLength - 1)..];
}
