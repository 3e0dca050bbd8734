using TierFs.Tiering.Config;
using TierFs.Tiering.Control;

namespace TierFs.Tests.Ops;

public class OpsConfigTests
{
    [Fact]
    public void Reads_the_verify_alarms_and_metrics_keys()
    {
        var c = ConfigLoader.Parse("""
            verify:
              interval: 1d
              window: "01:00-05:00"
              level: data
              concurrency: 32
            alarms:
              command: logger -t tierfs "$TIERFS_ALARM_MESSAGE"
              webhook: https://alerts.example/hook
              timeout: 20s
            metrics_listen: 127.0.0.1:9464
            """);
        Assert.Equal(TimeSpan.FromDays(1), c.Verify.Interval);
        Assert.Equal("01:00-05:00", c.Verify.Window.ToString());
        Assert.Equal(VerifyLevel.Data, c.Verify.Level);
        Assert.Equal(32, c.Verify.Concurrency);
        Assert.Equal("logger -t tierfs \"$TIERFS_ALARM_MESSAGE\"", c.Alarms.Command);
        Assert.Equal(new Uri("https://alerts.example/hook"), c.Alarms.Webhook);
        Assert.Equal(TimeSpan.FromSeconds(20), c.Alarms.Timeout);
        Assert.Equal("127.0.0.1:9464", c.MetricsListen);
    }

    [Fact]
    public void Without_the_keys_nothing_is_scheduled_alarmed_or_listened_on()
    {
        var c = ConfigLoader.Parse("cluster_id: x\n");
        Assert.Null(c.Verify.Interval);
        Assert.Equal(VerifyLevel.Object, c.Verify.Level);
        Assert.Null(c.Alarms.Command);
        Assert.Null(c.Alarms.Webhook);
        Assert.Null(c.MetricsListen);
    }

    [Theory]
    [InlineData("verify:\n  level: bytes\n", "config:2: verify.level: expected one of meta, object, data, got 'bytes'")]
    [InlineData("verify:\n  interval: 500ms\n", "config:2: verify.interval: expected a duration from 1s")]
    [InlineData("verify:\n  windw: \"01:00-02:00\"\n", "config:2: verify.windw: unknown key")]
    [InlineData("alarms:\n  webhook: ftp://x/y\n", "config:2: alarms.webhook: expected an http:// or https:// URL")]
    [InlineData("alarms:\n  webhook: https://me:secret@x/y\n", "config:2: alarms.webhook: must not hold credentials")]
    [InlineData("metrics_listen: 9464\n", "config:1: metrics_listen: expected HOST:PORT")]
    [InlineData("metrics_listen: example.org:9464\n", "config:1: metrics_listen: expected HOST:PORT")]
    [InlineData("metrics_listen: 127.0.0.1:70000\n", "config:1: metrics_listen: expected HOST:PORT")]
    public void Bad_values_are_refused_at_their_line(string yaml, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(yaml));
        Assert.StartsWith(expected, e.Message);
        Assert.DoesNotContain("me:secret", e.Message);
    }

    [Fact]
    public void A_reload_takes_verify_and_alarms_at_once_but_not_a_new_listener()
    {
        var old = ConfigLoader.Parse("metrics_listen: 127.0.0.1:9464\n");
        var changes = ConfigChanges.Between(old, ConfigLoader.Parse("metrics_listen: 127.0.0.1:9465\nverify:\n  interval: 1h\nalarms:\n  command: true\n"), "/x");
        Assert.Equal(ChangeKind.Remount, changes.Single(c => c.Key == "metrics_listen").Kind);
        Assert.Equal(ChangeKind.Live, changes.Single(c => c.Key == "verify.interval").Kind);
        Assert.Equal(ChangeKind.Live, changes.Single(c => c.Key == "alarms.command").Kind);
    }
}
