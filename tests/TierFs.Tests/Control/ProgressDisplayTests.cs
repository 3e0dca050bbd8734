using TierFs.Cli.Commands.Tier;
using TierFs.Tiering.Control;

namespace TierFs.Tests.Control;

public class ProgressDisplayTests
{
    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1023, "1023 B")]
    [InlineData(1024, "1.0 KiB")]
    [InlineData((1L << 30) - 1000, "1.0 GiB")]
    [InlineData(1288490189, "1.2 GiB")]
    [InlineData(4L << 30, "4.0 GiB")]
    [InlineData(long.MaxValue, "8.0 EiB")]
    public void Sizes_in_binary_units(long bytes, string text) => Assert.Equal(text, ByteSize.Format(bytes));

    [Fact]
    public void The_tally_counts_files_and_bytes()
    {
        var t = new TransferTally();
        t.Expect(10);
        t.Progress("a", "A", 512 << 20, 1L << 30);
        t.Progress("b", "B", 0, 1L << 30);
        Assert.Equal("0/10 files, 512.0 MiB/2.0 GiB", t.Snapshot().Summary);
        Assert.Equal("B", t.Snapshot().Current);
        t.Progress("a", "A", 1L << 30, 1L << 30);
        t.FileDone("a");
        t.FileDone("c"); // no transfer (state, or nothing to move)
        Assert.Equal("2/10 files, 1.0 GiB/2.0 GiB", t.Snapshot().Summary);
    }

    [Fact]
    public void With_r_the_file_total_comes_from_the_plan()
    {
        var t = new TransferTally();
        t.Expect(null);
        t.FileDone("x");
        Assert.Equal("1 files", t.Snapshot().Summary);
        t.Planned(4, 4L << 30);
        Assert.Equal("1/4 files, 0 B/4.0 GiB", t.Snapshot().Summary);
        foreach (var f in new[] { "a", "b", "c" }) t.FileDone(f); // nothing to move for these
        Assert.Equal("4/4 files, 4.0 GiB/4.0 GiB", t.Snapshot().Summary);
    }

    [Fact]
    public async Task Periodic_lines_wait_for_a_long_run_then_print_every_interval()
    {
        var now = TimeSpan.Zero;
        var err = new StringWriter();
        var view = new PeriodicLinesView(TierOp.Migrate, TextWriter.Null, err, () => now);
        view.Expect(3);
        view.Progress("a", "a", 1, 2);
        now = TimeSpan.FromSeconds(1.9);
        view.FileDone("a");
        Assert.Equal("", err.ToString()); // a short run prints nothing

        now = TimeSpan.FromSeconds(2);
        view.Progress("b", "b", 1024, 4096);
        now = TimeSpan.FromSeconds(3);
        view.Progress("b", "b", 2048, 4096);
        now = TimeSpan.FromSeconds(4.5);
        view.FileDone("b");
        await view.StopAsync();
        Assert.Equal(
            ["migrate: 1/3 files, 1.0 KiB/4.0 KiB", "migrate: 2/3 files, 4.0 KiB/4.0 KiB", "migrate: 2/3 files, 4.0 KiB/4.0 KiB"],
            err.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task A_short_run_prints_no_progress_at_all()
    {
        var err = new StringWriter();
        var view = new PeriodicLinesView(TierOp.Archive, TextWriter.Null, err, () => TimeSpan.Zero);
        view.Progress("a", "a", 1, 1);
        view.FileDone("a");
        await view.StopAsync();
        Assert.Equal("", err.ToString());
    }
}
