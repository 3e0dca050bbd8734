using TierFs.IntegrationTests.Harness;

namespace TierFs.IntegrationTests.Control;

/// <summary>
/// `tierfs state|migrate|...` before they reach a daemon: paths resolved through the real mount
/// table and the real mount, and the errors a user sees. (Answers from the engine are tested
/// end to end with the migration tests.)
/// </summary>
public class TierCommandTests
{
    [Fact]
    public void A_path_not_on_a_TierFs_mount_fails_with_its_own_line_and_exit_1()
    {
        var dir = Directory.CreateTempSubdirectory("tierfs-it-ctl-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "f"), "x");
            var r = Proc.TierfsRun("state", Path.Combine(dir, "f"), Path.Combine(dir, "missing/f"));
            Assert.True(r.ExitCode == 1, r.ToString());
            Assert.Equal("", r.Stdout);
            Assert.Equal(
                [$"tierfs: {dir}/f: not on a TierFs mount", $"tierfs: {dir}/missing/f: no such file or directory"],
                r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("migrate")]
    [InlineData("state", "-x", "/tmp")]
    public void Bad_usage_is_one_line_and_exit_2(params string[] args)
    {
        var r = Proc.TierfsRun(args);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("tierfs: ", r.Stderr);
    }

    [Theory]
    [InlineData("state")]
    [InlineData("archive")]
    [InlineData("release")]
    [InlineData("migrate")]
    [InlineData("recall")]
    public void Every_command_explains_its_options(string command)
    {
        var r = Proc.TierfsRun(command, "--help");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("--recursive", r.Stdout);
        if (command != "state") Assert.Contains("--verbose", r.Stdout);
    }

    [Fact]
    public void On_a_mount_whose_daemon_does_not_answer_the_error_names_the_mount()
    {
        using var m = TestMount.Start();
        Directory.CreateDirectory(m.M("proj"));
        File.WriteAllText(m.M("proj/a"), "data");
        File.CreateSymbolicLink(Path.Combine(m.Root, "link"), m.M("proj"));
        var emptyRunDir = Path.Combine(m.Root, "run");
        Directory.CreateDirectory(emptyRunDir);

        // No socket where this tierfs looks: as if the daemon had no control socket (or died).
        var r = Proc.Run("env", [$"TIERFS_RUN_DIR={emptyRunDir}", Proc.Tierfs, "state", m.M("proj/a"), Path.Combine(m.Root, "link/a")]);

        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Equal($"tierfs: no TierFs mount daemon answers for {m.MountPoint} (is it mounted?)\n", r.Stderr);
        Assert.Equal("data", File.ReadAllText(m.M("proj/a")));
    }
}
