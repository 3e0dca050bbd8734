using Spectre.Console;
using TierFs.Cli.Commands.Tier;
using TierFs.Tiering.Control;

namespace TierFs.Tests.Control;

/// <summary>The progress bar fits 80 columns, counts failures as failures, and shows on `policy run` too.</summary>
public class ProgressWidthTests
{
    private static readonly TallySnapshot Worst =
        new(123456, 7654321, long.MaxValue / 3, long.MaxValue / 2, "/data/" + new string('x', 300) + "/a-file-with-a-long-name.h5", Failed: 99999);

    [Theory]
    [InlineData(10)]
    [InlineData(ProgressBarView.DescriptionWidth)]
    [InlineData(200)]
    public void The_description_fits_its_width(int width)
    {
        Assert.True(ProgressBarView.Describe("policy-run", Worst, width).Length <= width);
        var short_ = ProgressBarView.Describe("migrate", new TallySnapshot(1, 2, 10, 20, "/d/f"), width);
        if (width >= 40) Assert.EndsWith("/d/f", short_);
    }

    [Fact]
    public void A_rendered_bar_is_at_most_80_columns_on_a_wide_terminal()
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.Yes,
        });
        console.Profile.Width = 200;
        ProgressBarView.FitWidth(console);
        console.Progress().AutoRefresh(false).AutoClear(false).HideCompleted(false).Columns(ProgressBarView.Columns()).Start(ctx =>
        {
            var task = ctx.AddTask("x", maxValue: 100);
            task.Value = 45;
            task.Description = Markup.Escape(ProgressBarView.Describe("policy-run", Worst, console.Profile.Width - (80 - ProgressBarView.DescriptionWidth)));
            ctx.Refresh();
        });
        var lines = System.Text.RegularExpressions.Regex.Replace(output.ToString(), @"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07", "")
            .Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0).ToList();
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.True(l.Length <= ProgressBarView.Width, $"{l.Length} columns: {l}"));
        Assert.Contains(lines, l => l.Contains("policy-run: 123456/7654321 files", StringComparison.Ordinal));
    }

    [Fact]
    public void Failures_count_as_failures()
    {
        var t = new TransferTally();
        t.Expect(3);
        t.FileDone("a");
        t.FileDone("b", ok: false);
        Assert.Equal("2/3 files, 1 failed", t.Snapshot().Summary);
    }

    [Fact]
    public async Task Policy_run_shows_progress_lines_when_not_on_a_terminal()
    {
        var now = TimeSpan.Zero;
        var err = new StringWriter();
        var view = new PeriodicLinesView(TierOp.PolicyRun, TextWriter.Null, err, () => now);
        view.Expect(null); // the jobs' plans give the totals
        view.Planned(2, 2048);
        now = TimeSpan.FromSeconds(3);
        view.FileDone("a", ok: false);
        await view.StopAsync();
        Assert.Equal("policy-run: 1/2 files, 1 failed, 0 B/2.0 KiB", err.ToString().Split('\n')[0]);
    }
}
