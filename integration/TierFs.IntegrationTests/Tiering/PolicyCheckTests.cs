using TierFs.IntegrationTests.Harness;

namespace TierFs.IntegrationTests.Tiering;

/// <summary>`tierfs policy check --config FILE` and the same check when mounting: a bad policy is refused by name and position.</summary>
public sealed class PolicyCheckTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tierfs-it-policy-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string yaml)
    {
        var file = Path.Combine(_dir, $"tierfs-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, yaml);
        return file;
    }

    private static string Policy(string where, string order = "size DESC") =>
        $"policies:\n  - name: keep\n    where: \"size > 0\"\n  - name: cold-large\n    where: \"{where}\"\n    order: {order}\n";

    [Fact]
    public void A_good_file_is_ok_with_its_policy_count()
    {
        var file = Write("""
            policies:
              - name: cold-large
                priority: 10
                where: "type = 'f' AND size >= 1048576 AND atime < now() - days(30)"
                max_bytes: 100G
              - name: scratch
                action: release
                where: "path GLOB 'scratch/*'"
                order: atime ASC
            schedule:
              window: "00:00-04:00"
              usage_high: 90
              usage_low: 75
            """);
        var r = Proc.TierfsRun("policy", "check", "--config", file);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal($"{file}: ok, 2 policies\n", r.Stdout);
        Assert.Equal("", r.Stderr);
    }

    [Fact]
    public void A_recall_policy_is_ok_and_an_unknown_action_is_refused_at_its_line_exit_2()
    {
        var good = Write("policies:\n  - name: prestage\n    action: recall\n    where: \"path LIKE 'proj/x/%'\"\n    max_bytes: 1T\n");
        var r = Proc.TierfsRun("policy", "check", "--config", good);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal($"{good}: ok, 1 policy\n", r.Stdout);

        var bad = Write("policies:\n  - name: prestage\n    action: prestage\n    where: \"1\"\n");
        r = Proc.TierfsRun("policy", "check", "--config", bad);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Equal($"tierfs: {bad}:3: policies[1].action: expected one of migrate, archive, release, recall, got 'prestage'\n", r.Stderr);
        Assert.Equal("", r.Stdout);
    }

    [Theory]
    [InlineData("sise > 1", "size DESC", ":5: policy 'cold-large': where: no such column: sise (at position 1)")]
    [InlineData("size > 1 AND", "size DESC", ":5: policy 'cold-large': where: near \")\": syntax error (at position 13)")]
    [InlineData("1); DELETE FROM tier; --", "size DESC", ":5: policy 'cold-large': where: ')' closes nothing (at position 2)")]
    [InlineData("size > 1 OR ino IN (SELECT ino FROM tier)", "size DESC", ":5: policy 'cold-large': where: no such column: ino")]
    [InlineData("inode IN (SELECT ino FROM tier)", "size DESC", ":5: policy 'cold-large': where: subqueries are not allowed")]
    [InlineData("size > 1", "size DESC LIMIT 1", ":6: policy 'cold-large': order: near \"LIMIT\": syntax error")]
    public void A_bad_policy_is_one_line_naming_file_line_policy_and_position_exit_2(string where, string order, string expected)
    {
        var file = Write(Policy(where, order));
        var r = Proc.TierfsRun("policy", "check", "--config", file);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.StartsWith($"tierfs: {file}{expected}", r.Stderr);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void A_bad_schedule_or_a_missing_file_is_refused()
    {
        var file = Write("schedule:\n  usage_high: 70\n  usage_low: 80\n");
        var r = Proc.TierfsRun("policy", "check", "--config", file);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains($"{file}:3: schedule.usage_low: must be lower than usage_high (70), got 80", r.Stderr);

        var missing = Path.Combine(_dir, "missing.yaml");
        r = Proc.TierfsRun("policy", "check", "--config", missing);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains($"{missing}: cannot read", r.Stderr);
    }

    [Fact]
    public void Mount_refuses_a_config_with_a_bad_policy_and_mounts_nothing()
    {
        using var m = TestMount.Create();
        var file = Write(Policy("sise > 1"));
        var r = Proc.TierfsRun("mount", "--config", file, m.Backing, m.MountPoint, "--state-dir", m.StateDir);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("policy 'cold-large': where: no such column: sise (at position 1)", r.Stderr);
        Assert.False(m.IsMounted);
    }
}
