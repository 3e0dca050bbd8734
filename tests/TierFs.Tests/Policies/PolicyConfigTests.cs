using TierFs.Policies;
using TierFs.Tiering.Config;

namespace TierFs.Tests.Policies;

/// <summary>The policies list and the schedule section: values, defaults, and every refusal naming file, line and key.</summary>
public class PolicyConfigTests
{
    private const string Example = """
        policies:
          - name: cold-large
            priority: 10
            action: migrate
            where: "type = 'f' AND size >= 1048576 AND atime < now() - days(30)"
            order: size DESC
            max_files: 10000
            max_bytes: 100G
          - name: scratch
            action: release
            where: "path LIKE 'scratch/%'"
        schedule:
          interval: 5m
          window: "22:00-04:00"
          workers: 8
          usage_high: 90
          usage_low: 75
          min_age: 2h
          retries: 5
          retry_backoff: 1m
        """;

    [Fact]
    public void Reads_the_documented_example_and_fills_defaults()
    {
        var c = ConfigLoader.Parse(Example, "t.yaml");
        Assert.Equal(2, c.Policies.Count);
        var p = c.Policies[0];
        Assert.Equal(("cold-large", 10, PolicyAction.Migrate, "size DESC", 10000L, 100L << 30, 2),
            (p.Name, p.Priority, p.Action, p.Order, p.MaxFiles, p.MaxBytes, p.Line));
        Assert.Equal("type = 'f' AND size >= 1048576 AND atime < now() - days(30)", p.Where);
        var q = c.Policies[1];
        Assert.Equal((100, PolicyAction.Release, "size DESC", (long?)null, (long?)null, 9), (q.Priority, q.Action, q.Order, q.MaxFiles, q.MaxBytes, q.Line));

        var s = c.Schedule;
        Assert.Equal((TimeSpan.FromMinutes(5), 8, 90, 75, TimeSpan.FromHours(2), 5, TimeSpan.FromMinutes(1)),
            (s.Interval, s.Workers, s.UsageHigh, s.UsageLow, s.MinAge, s.Retries, s.RetryBackoff));
        Assert.Equal(new TimeWindow(new TimeOnly(22, 0), new TimeOnly(4, 0)), s.Window);
        PolicyValidator.Validate(c, "t.yaml");
    }

    [Fact]
    public void A_recall_policy_is_read_and_validated_like_the_others()
    {
        const string yaml = """
            policies:
              - name: prestage-x
                action: recall
                where: "path LIKE 'proj/x/%'"
                max_files: 100
            """;
        var c = ConfigLoader.Parse(yaml, "t.yaml");
        var p = Assert.Single(c.Policies);
        Assert.Equal(("prestage-x", PolicyAction.Recall, "size DESC", 100L, 2), (p.Name, p.Action, p.Order, p.MaxFiles, p.Line));
        PolicyValidator.Validate(c, "t.yaml");
    }

    [Fact]
    public void Without_the_keys_there_are_no_policies_and_the_default_schedule()
    {
        var c = ConfigLoader.Parse("cluster_id: x\n");
        Assert.Empty(c.Policies);
        Assert.Equal(new ScheduleConfig(), c.Schedule);
        Assert.Equal((TimeSpan.FromMinutes(10), 4, TimeSpan.FromHours(1), 3, TimeSpan.FromMinutes(10), (int?)null, (TimeWindow?)null),
            (c.Schedule.Interval, c.Schedule.Workers, c.Schedule.MinAge, c.Schedule.Retries, c.Schedule.RetryBackoff, c.Schedule.UsageHigh, c.Schedule.Window));
    }

    [Theory]
    [InlineData("00:00-04:00", "03:59", true)]
    [InlineData("00:00-04:00", "04:00", false)]
    [InlineData("00:00-04:00", "12:00", false)]
    [InlineData("22:00-04:00", "23:30", true)]
    [InlineData("22:00-04:00", "01:00", true)]
    [InlineData("22:00-04:00", "04:00", false)]
    [InlineData("22:00-04:00", "21:59", false)]
    public void A_window_contains_its_start_not_its_end_and_may_wrap_midnight(string window, string time, bool inside)
    {
        Assert.True(TimeWindow.TryParse(window, out var w));
        Assert.Equal(inside, w.Contains(TimeOnly.Parse(time, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData("schedule:\n  window: \"25:00-04:00\"\n", "t.yaml:2: schedule.window: expected a daily window")]
    [InlineData("schedule:\n  window: \"04:00-04:00\"\n", "t.yaml:2: schedule.window:")]
    [InlineData("schedule:\n  window: 4-5\n", "t.yaml:2: schedule.window:")]
    [InlineData("schedule:\n  usage_high: 80\n  usage_low: 80\n", "schedule.usage_low: must be lower than usage_high (80), got 80")]
    [InlineData("schedule:\n  usage_high: 70\n  usage_low: 80\n", "schedule.usage_low: must be lower than usage_high")]
    [InlineData("schedule:\n  usage_high: 80\n", "schedule.usage_low: is required with usage_high")]
    [InlineData("schedule:\n  usage_low: 80\n", "schedule.usage_high: is required with usage_low")]
    [InlineData("schedule:\n  usage_high: 100\n  usage_low: 80\n", "t.yaml:2: schedule.usage_high: expected a whole number from 1 to 99, got '100'")]
    [InlineData("schedule:\n  workers: 0\n", "schedule.workers: expected a whole number from 1 to 64")]
    [InlineData("schedule:\n  interval: soon\n", "schedule.interval: expected a duration")]
    [InlineData("schedule:\n  interval: 0s\n", "schedule.interval: expected a duration from 1s to 30d")]
    [InlineData("schedule:\n  windw: \"00:00-01:00\"\n", "t.yaml:2: schedule.windw: unknown key")]
    [InlineData("policies:\n  - where: \"size > 0\"\n", "t.yaml:2: policies[1].name: is required")]
    [InlineData("policies:\n  - name: p\n", "policies[1].where: is required")]
    [InlineData("policies:\n  - name: \"two words\"\n    where: \"1\"\n", "policies[1].name: expected letters, digits")]
    [InlineData("policies:\n  - name: p\n    where: \"1\"\n  - name: p\n    where: \"1\"\n", "t.yaml:4: policies[2].name: 'p' is already the name of another policy")]
    [InlineData("policies:\n  - name: p\n    where: \"1\"\n    action: delete\n", "t.yaml:4: policies[1].action: expected one of migrate, archive, release, recall, got 'delete'")]
    [InlineData("policies:\n  - name: p\n    where: \"1\"\n    max_bytes: lots\n", "policies[1].max_bytes: expected a size")]
    [InlineData("policies:\n  - name: p\n    where: \"1\"\n    max_files: 0\n", "policies[1].max_files: expected a whole number of at least 1, got '0'")]
    [InlineData("policies:\n  - name: p\n    where: \"1\"\n    wehre: \"1\"\n", "t.yaml:4: policies[1].wehre: unknown key")]
    [InlineData("policies:\n  name: p\n", "t.yaml:2: policies: expected a list")]
    public void Bad_values_are_refused_naming_line_and_key(string yaml, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(yaml, "t.yaml"));
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData("sise > 5", "t.yaml:2: policy 'cold': where: no such column: sise (at position 1)")]
    [InlineData("size > 5 AND uid = 0 AND sise > 1", "where: no such column: sise (at position 26)")]
    [InlineData("size >", "where: near \")\": syntax error (at position 7)")]
    [InlineData("size > 1 size", "where: near \"size\": syntax error (at position 10)")]
    [InlineData("size > 1; DELETE FROM tier", "where: ';' is not allowed: one condition, not statements (at position 9)")]
    [InlineData("1); DELETE FROM tier; --", "where: ')' closes nothing (at position 2)")]
    [InlineData("1) OR (1", "where: ')' closes nothing (at position 2)")]
    [InlineData("size > 1 -- comment", "where: comments are not allowed (at position 10)")]
    [InlineData("size > 1 /* x */", "where: comments are not allowed (at position 10)")]
    [InlineData("inode IN (SELECT ino FROM tier)", "where: subqueries are not allowed: a plain condition on the files columns (at position 11)")]
    [InlineData("EXISTS (SELECT 1 FROM scans)", "where: subqueries are not allowed")]
    [InlineData("1 UNION SELECT 1", "where: near \"UNION\": syntax error (at position 3)")]
    [InlineData("frobnicate(size) > 1", "where: no such function: frobnicate (at position 1)")]
    [InlineData("name = 'it''s", "where: unterminated ' (at position 12)")]
    [InlineData("max(size) > 1", "where: misuse of aggregate")]
    public void A_where_that_is_not_a_plain_condition_is_refused_with_the_policy_and_position(string where, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => Validate(where, "size DESC"));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("t.yaml:2: policy 'cold': where: ", e.Message);
    }

    [Theory]
    [InlineData("sise DESC", "order: no such column: sise (at position 1)")]
    [InlineData("size DESC LIMIT 5", "order: near \"LIMIT\": syntax error")]
    [InlineData("size; DROP TABLE entries", "order: ';' is not allowed")]
    [InlineData("size DESC) --", "order: ')' closes nothing (at position 10)")]
    [InlineData("(SELECT 1)", "order: subqueries are not allowed")]
    [InlineData("size SIDEWAYS", "order: near \"SIDEWAYS\": syntax error (at position 6)")]
    public void A_bad_order_is_refused(string order, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => Validate("size > 0", order));
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData("type = 'f' AND size >= 1048576 AND atime < now() - days(30)", "size DESC")]
    [InlineData("uid = 1000 AND mtime < now() - hours(12) AND path LIKE 'proj/%' AND state = 'resident'", "atime ASC, size DESC")]
    [InlineData("(flags & 2) = 0 AND name GLOB '*.h5' AND gid IN (10, 20)", "mtime")]
    [InlineData("name = 'a;b' AND name <> 'x -- y' AND name <> '(('", "path")]
    public void Plain_conditions_over_the_files_columns_pass(string where, string order) => Validate(where, order);

    private static void Validate(string where, string order)
    {
        var config = new TierFsConfig { Policies = [new PolicyConfig { Name = "cold", Where = where, Order = order, Line = 2 }] };
        PolicyValidator.Validate(config, "t.yaml");
    }
}
