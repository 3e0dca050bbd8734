using TierFs.Common;
using TierFs.Common.Logging;

namespace TierFs.Tests.Common;

public sealed class LogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tierfs-log-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_line_has_time_level_source_and_one_line_message()
    {
        var line = Log.Format(new DateTime(2026, 11, 21, 12, 0, 0, 123, DateTimeKind.Utc), LogLevel.Warn, "mount", "two\nlines");
        Assert.Equal("2026-11-21T12:00:00.123Z WARN  mount: two lines", line);
    }

    [Fact]
    public void The_journal_gets_no_time_of_ours_and_the_level_as_its_priority()
    {
        var text = new StringWriter();
        new LineFormat(journal: true).Format(Log.Event(LogLevel.Error, "tier", "recall of {x} failed"), text);
        Assert.Equal("<3>ERROR tier: recall of {x} failed\n", text.ToString());
    }

    [Fact]
    public void The_file_is_0600_and_rotates_at_its_size_keeping_the_live_name()
    {
        var path = Path.Combine(_dir, "tierfs.log");
        using (var sink = new RotatingFileSink(path, maxBytes: 1000, keep: 2))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            for (var i = 0; i < 60; i++) sink.Emit(Log.Event(LogLevel.Info, "test", $"line {i:D3} {new string('x', 40)}"));
        }
        // 60 lines of 87 bytes: rotated every 12 lines; the live file and the two newest old ones are kept.
        Assert.Equal(["tierfs.log", "tierfs.log.1", "tierfs.log.2"], Directory.GetFiles(_dir).Select(Path.GetFileName).Order());
        foreach (var f in Directory.GetFiles(_dir))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f));
            Assert.InRange(new FileInfo(f).Length, 0, 1000 + 87);
        }
        // Oldest first, the kept lines are the last ones written, none missing in between.
        var numbers = new[] { ".2", ".1", "" }.SelectMany(suffix => File.ReadAllLines(path + suffix))
            .Select(l => int.Parse(System.Text.RegularExpressions.Regex.Match(l, @"line (\d+)").Groups[1].Value)).ToList();
        Assert.InRange(numbers.Count, 12, 59);
        Assert.Equal(Enumerable.Range(60 - numbers.Count, numbers.Count), numbers);
    }

    [Fact]
    public void Reopen_continues_in_a_new_file_of_the_same_name_after_a_rename()
    {
        var path = Path.Combine(_dir, "tierfs.log");
        using var sink = new RotatingFileSink(path, maxBytes: 0, keep: 5);
        sink.Emit(Log.Event(LogLevel.Info, "test", "before"));
        File.Move(path, path + ".rotated");
        sink.Emit(Log.Event(LogLevel.Info, "test", "still into the renamed file"));
        sink.Reopen();
        sink.Emit(Log.Event(LogLevel.Info, "test", "after"));

        Assert.Matches(@"^\S+Z INFO  test: before\n\S+Z INFO  test: still into the renamed file\n$", File.ReadAllText(path + ".rotated"));
        Assert.Matches(@"^\S+Z INFO  test: after\n$", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Theory]
    [InlineData("debug", LogLevel.Debug)]
    [InlineData("INFO", LogLevel.Info)]
    [InlineData("warn", LogLevel.Warn)]
    [InlineData("error", LogLevel.Error)]
    public void Levels_have_names(string name, LogLevel level) => Assert.Equal(level, Log.ParseLevel(name));
}
