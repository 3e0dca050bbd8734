using TierFs.Common;

namespace TierFs.Tests.Common;

public class LogTests
{
    [Fact]
    public void A_line_has_time_level_source_and_one_line_message()
    {
        var line = Log.Format(new DateTime(2026, 11, 21, 12, 0, 0, 123, DateTimeKind.Utc), LogLevel.Warn, "mount", "two\nlines");
        Assert.Equal("2026-11-21T12:00:00.123Z WARN  mount: two lines", line);
    }
}
