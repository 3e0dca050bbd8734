using Spectre.Console;
using TierFs.Tiering.Control;

namespace TierFs.Cli.Commands.Tier;

/// <summary>
/// Progress on a terminal: one overall bar on stderr (bytes done of total, the files count and
/// the failures, and the file being moved), drawn by Spectre.Console once a run has lasted
/// <see cref="ShowAfter"/> (a quick run leaves no bar behind), in at most <see cref="Width"/>
/// columns. While the bar is drawn, lines are printed above it.
/// </summary>
public sealed class ProgressBarView : ProgressView
{
    public static readonly TimeSpan ShowAfter = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(100);

    /// <summary>The widest the bar's line gets, whatever the terminal's width (a classic terminal's 80).</summary>
    public const int Width = 80;
    private const int BarWidth = 20;
    // Bar, "100%", "00:00:00" and the one-column gaps Spectre puts between columns.
    private const int FixedWidth = BarWidth + 1 + 4 + 1 + 8 + 1;
    /// <summary>What is left for "migrate: 3/10 files, 1 failed, 1.2 GiB/4.0 GiB  name".</summary>
    public const int DescriptionWidth = Width - FixedWidth;

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
        if (!console.Profile.Capabilities.Ansi) return null;
        FitWidth(console);
        return new ProgressBarView(op, console);
    }

    /// <summary>A console at most <see cref="Width"/> columns wide (narrower terminals keep theirs).</summary>
    internal static void FitWidth(IAnsiConsole console) => console.Profile.Width = Math.Min(console.Profile.Width, Width);

    /// <summary>The bar's columns, in the widths <see cref="DescriptionWidth"/> allows for.</summary>
    internal static ProgressColumn[] Columns() =>
    [
        new ProgressBarColumn { Width = BarWidth },
        new PercentageColumn(),
        new RemainingTimeColumn(),
        new TaskDescriptionColumn { Alignment = Justify.Left },
    ];

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
                .Columns(Columns())
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
        task.Description = Markup.Escape(Describe(_op, s, Math.Max(1, _console.Profile.Width - FixedWidth)));
    }

    /// <summary>
    /// "migrate: 3/10 files, 1 failed, 1.2 GiB/4.0 GiB  …/end/of/the/path" in at most
    /// <paramref name="width"/> columns: the counts first, the file in what is left (its path's
    /// end, which names it), nothing of it when too little is left.
    /// </summary>
    internal static string Describe(string op, TallySnapshot s, int width)
    {
        var text = $"{op}: {s.Summary}";
        if (text.Length >= width) return text[..width];
        var room = width - text.Length - 2;
        if (s.Current is not { } name || room < 8) return text;
        return $"{text}  {(name.Length <= room ? name : "…" + name[^(room - 1)..])}";
    }
}
