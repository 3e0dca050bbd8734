using TierFs.IntegrationTests.Harness;
using static TierFs.IntegrationTests.Tiering.TierHarness;

namespace TierFs.IntegrationTests.Tiering;

/// <summary>The noarchive/norelease flags, and the tier record that lives with the file but is not the user's.</summary>
public class FlagsAndRecordTests
{
    [Fact]
    public void Norelease_keeps_the_data_local_and_noarchive_keeps_it_off_the_remote_tier()
    {
        using var m = TestMount.Start();
        File.WriteAllBytes(m.M("keep.bin"), Content(300_000, seed: 1));
        File.WriteAllBytes(m.M("never.bin"), Content(300_000, seed: 2));

        Assert.Equal(0, Tierfs("state", "--set", "norelease", m.M("keep.bin")).ExitCode);
        Assert.Equal("resident,norelease", State(m.M("keep.bin")));
        var r = Tierfs("migrate", m.M("keep.bin"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"{m.M("keep.bin")}: norelease is set", r.Stderr);
        Assert.Equal("archived,norelease", State(m.M("keep.bin")));
        Assert.Equal(0, Tierfs("state", "--clear", "norelease", m.M("keep.bin")).ExitCode);
        Migrate(m.M("keep.bin"));
        Assert.Equal("released", State(m.M("keep.bin")));

        Assert.Equal(0, Tierfs("state", "--set", "noarchive", m.M("never.bin")).ExitCode);
        r = Tierfs("archive", m.M("never.bin"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("noarchive is set", r.Stderr);
        Assert.Equal("resident,noarchive", State(m.M("never.bin")));
        var neverData = Content(300_000, seed: 2);
        Assert.DoesNotContain(Directory.GetFiles(Path.Combine(m.StateDir, "archive"), "*", SearchOption.AllDirectories),
            f => File.ReadAllBytes(f).AsSpan().SequenceEqual(neverData));

        Assert.Equal(2, Tierfs("state", "--set", "bogus", m.M("never.bin")).ExitCode);
    }

    [Fact]
    public void The_record_xattr_is_hidden_and_protected_through_the_mount()
    {
        using var m = TestMount.Start();
        File.WriteAllText(m.M("f"), Text(500, "x"));
        Proc.Check("setfattr", "-n", "user.mine", "-v", "1", m.M("f"));
        Migrate(m.M("f"));

        var listed = Proc.Check("getfattr", "-d", "-m", "-", m.M("f")).Stdout;
        Assert.Contains("user.mine", listed);
        Assert.DoesNotContain("trusted.tierfs", listed);
        Assert.NotEqual(0, Proc.Run("getfattr", "-n", "trusted.tierfs.stub", m.M("f")).ExitCode);
        Assert.NotEqual(0, Proc.Run("setfattr", "-n", "trusted.tierfs.stub", "-v", "forged", m.M("f")).ExitCode);
        Assert.NotEqual(0, Proc.Run("setfattr", "-x", "trusted.tierfs.stub", m.M("f")).ExitCode);
        // It is there, with the file, for a rebuild of the index.
        Assert.Contains("\"state\":\"released\"", Proc.Check("getfattr", "-n", "trusted.tierfs.stub", "--only-values", m.B("f")).Stdout);
        Assert.Equal("released", State(m.M("f")));
        Assert.Equal(Text(500, "x"), File.ReadAllText(m.M("f")));
    }

    [Fact]
    public void Commands_refuse_what_they_cannot_do_with_one_line_each()
    {
        using var m = TestMount.Start();
        Directory.CreateDirectory(m.M("dir"));
        File.WriteAllText(m.M("dir/a"), "a");
        File.WriteAllText(m.M("plain"), "p");
        var r = Tierfs("release", m.M("plain"), m.M("dir"), m.M("missing"));
        Assert.Equal(1, r.ExitCode);
        var lines = r.Stderr.Trim().Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Contains(lines, l => l.Contains($"{m.M("plain")}: not archived"));
        Assert.Contains(lines, l => l.Contains($"{m.M("dir")}: is a directory (use -r)"));
        Assert.Contains(lines, l => l.Contains("missing") && l.Contains("no such file"));

        Assert.Equal(0, Tierfs("migrate", "-r", m.M("dir")).ExitCode);
        Assert.Equal("released", State(m.M("dir/a")));
        Assert.Equal("a", File.ReadAllText(m.M("dir/a")));
    }
}
