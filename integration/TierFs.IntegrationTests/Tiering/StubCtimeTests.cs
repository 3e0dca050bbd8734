using System.Text.Json;
using TierFs.IntegrationTests.Harness;
using static TierFs.IntegrationTests.Tiering.TierHarness;
using TierFs.Records;

namespace TierFs.IntegrationTests.Tiering;

/// <summary>
/// A stub shows the ctime kept in its record; a metadata change through the mount must move it as
/// it moves a plain file's. Side by side on one mount: a resident file and a stub, renamed and linked.
/// </summary>
public class StubCtimeTests
{
    [Fact]
    public void Rename_and_link_move_the_ctime_of_a_stub_as_of_a_plain_file()
    {
        using var m = TestMount.Start();
        File.WriteAllText(m.M("plain"), Text(2000, "plain"));
        File.WriteAllText(m.M("stub"), Text(2000, "stub"));
        Migrate(m.M("stub"));
        Assert.Equal("released", State(m.M("stub")));

        // Each step on both files; a step's name is the file's name before it, the next one after.
        void Step(string step, string before, string after, Func<string, string, int> act)
        {
            var plain = Px.Stat(m.M("plain" + before)).Ctime;
            var stub = Px.Stat(m.M("stub" + before)).Ctime;
            WaitForClockAfter(m, plain > stub ? plain : stub);
            Assert.Equal(0, act(m.M("plain" + before), m.M("plain" + after)));
            Assert.Equal(0, act(m.M("stub" + before), m.M("stub" + after)));
            Assert.True(Px.Stat(m.M("plain" + after)).Ctime > plain, $"{step}: the plain file's ctime did not move (the reference)");
            Assert.True(Px.Stat(m.M("stub" + after)).Ctime > stub, $"{step}: the stub's ctime did not move");
        }

        Step("rename", "", ".moved", (from, to) => Px.Rename(from, to));
        Step("link", ".moved", ".link", Px.Link);
        Assert.Equal("released", State(m.M("stub.moved"))); // no recall for a name change
        Assert.Equal(Px.Stat(m.M("stub.moved")).Ctime, Px.Stat(m.M("stub.link")).Ctime);
    }

    [Fact]
    public void A_ctime_change_after_a_remount_keeps_the_records_crc()
    {
        using var m = TestMount.Start();
        File.WriteAllText(m.M("f"), Text(2000, "crc"));
        Migrate(m.M("f"));
        var crc = Crc(m);
        Assert.NotNull(crc);
        // Remounted, the mount knows the stub from its index, which does not keep the CRC.
        Assert.Equal(0, m.Unmount().ExitCode);
        m.Mount();
        Assert.Equal(0, Px.Chmod(m.M("f"), 0x180));
        Assert.Equal("released", State(m.M("f")));
        Assert.Equal(crc, Crc(m));
    }

    private static string? Crc(TestMount m)
    {
        Assert.Equal(0, Px.TryGetXattr(m.B("f"), S3TierMount.StubXattr, out var value));
        return JsonDocument.Parse(value).RootElement.TryGetProperty("crc", out var crc) ? crc.GetString() : null;
    }

    /// <summary>Waits (bounded) until a new file's ctime on the backing filesystem is later than <paramref name="after"/>.</summary>
    private static void WaitForClockAfter(TestMount m, Ts after)
    {
        var probe = m.B(".clock-probe");
        Assert.True(Proc.WaitUntil(() =>
        {
            File.WriteAllText(probe, "");
            var later = Px.Stat(probe).Ctime > after;
            File.Delete(probe);
            return later;
        }, TimeSpan.FromSeconds(5)), "the clock did not move");
    }
}
