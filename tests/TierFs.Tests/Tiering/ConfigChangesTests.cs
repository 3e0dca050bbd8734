using TierFs.Tiering.Config;

namespace TierFs.Tests.Tiering;

/// <summary>What a reload may change on a running mount: the remote tier's identity never.</summary>
public class ConfigChangesTests
{
    private const string Base = """
        remote:
          type: s3
          endpoint: http://127.0.0.1:9000
          bucket: tier
          prefix: east/
          request_timeout: 30s
        policies:
          - name: p
            where: "size > 0"
        schedule:
          interval: 10m
        """;

    private static IReadOnlyList<ConfigChange> Diff(string from, string to) =>
        ConfigChanges.Between(ConfigLoader.Parse(from), ConfigLoader.Parse(to), "/var/lib/tierfs/x/archive");

    [Theory]
    [InlineData("bucket: tier", "bucket: other", "remote.bucket", ChangeKind.Identity)]
    [InlineData("prefix: east/", "prefix: west/", "remote.prefix", ChangeKind.Identity)]
    [InlineData("request_timeout: 30s", "request_timeout: 45s", "remote.request_timeout", ChangeKind.Live)]
    [InlineData("endpoint: http://127.0.0.1:9000", "endpoint: http://10.0.0.1:9000", "remote.endpoint", ChangeKind.Live)]
    [InlineData("interval: 10m", "interval: 5m", "schedule.interval", ChangeKind.Live)]
    [InlineData("size > 0", "size > 1", "policies", ChangeKind.Live)]
    public void Each_change_is_named_with_its_kind(string from, string to, string key, ChangeKind kind)
    {
        var change = Assert.Single(Diff(Base, Base.Replace(from, to, StringComparison.Ordinal)));
        Assert.Equal((key, kind), (change.Key, change.Kind));
    }

    [Fact]
    public void The_same_file_changes_nothing_and_a_prefix_written_differently_is_the_same()
    {
        Assert.Empty(Diff(Base, Base));
        Assert.Empty(Diff(Base, Base.Replace("prefix: east/", "prefix: /east", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_default_archive_named_explicitly_is_the_same_archive_and_another_is_not()
    {
        Assert.Empty(Diff("cluster_id: x\n", "cluster_id: x\nremote:\n  path: /var/lib/tierfs/x/archive/\n"));
        Assert.Equal(ChangeKind.Identity, Assert.Single(Diff("cluster_id: x\n", "cluster_id: x\nremote:\n  path: /srv/archive\n")).Kind);
        Assert.Equal(ChangeKind.Remount, Assert.Single(Diff("cluster_id: x\n", "cluster_id: y\n")).Kind);
    }

    [Fact]
    public void Only_transfer_settings_need_a_new_store() =>
        Assert.False(ConfigChanges.NeedsNewStore(Diff(Base, Base.Replace("interval: 10m", "interval: 5m", StringComparison.Ordinal))));

    [Fact]
    public void The_recall_section_is_read_and_taken_live_by_a_reload()
    {
        const string with = "recall:\n  deny_commands: [updatedb, clamd]\n  deny_uids: [994]\n  max_concurrent: 8\n";
        var config = ConfigLoader.Parse(with).Recall;
        Assert.Equal(["updatedb", "clamd"], config.DenyCommands);
        Assert.Equal([994u], config.DenyUids);
        Assert.Equal(8, config.MaxConcurrent);
        Assert.Equal(new RecallConfig().MaxQueued, config.MaxQueued);
        Assert.Empty(Diff(with, with));
        var changes = Diff(with, with.Replace("clamd", "mlocate", StringComparison.Ordinal).Replace(": 8", ": 2", StringComparison.Ordinal));
        Assert.Equal(["recall.deny_commands: [updatedb, clamd] → [updatedb, mlocate]", "recall.max_concurrent: 8 → 2"], changes.Select(c => c.ToString()));
        Assert.All(changes, c => Assert.Equal(ChangeKind.Live, c.Kind));
    }

    [Theory]
    [InlineData("recall:\n  deny_commands: [a-program-name-too-long]\n", "config:2: recall.deny_commands: 'a-program-name-too-long': expected a command name")]
    [InlineData("recall:\n  deny_uids: [bob]\n", "config:2: recall.deny_uids: expected numeric ids (like 1000), got 'bob'")]
    [InlineData("recall:\n  deny_commands: updatedb\n", "config:2: recall.deny_commands: expected a list of values, like [a, b]")]
    [InlineData("recall:\n  max_concurrent: 0\n", "config:2: recall.max_concurrent: expected a whole number from 1 to 1024, got '0'")]
    [InlineData("recall:\n  deny_command: [x]\n", "config:2: recall.deny_command: unknown key")]
    public void A_bad_recall_section_is_refused_at_its_line(string yaml, string message) =>
        Assert.StartsWith(message, Assert.Throws<ConfigException>(() => ConfigLoader.Parse(yaml)).Message);
}
