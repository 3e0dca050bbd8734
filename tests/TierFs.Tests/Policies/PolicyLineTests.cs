using TierFs.Index;
using TierFs.Index.Policies;
using TierFs.Policies;
using TierFs.Tiering.Config;

namespace TierFs.Tests.Policies;

/// <summary>A bad where or order is reported at its own key's line; sizes are written mib(1), not 1048576.</summary>
public class PolicyLineTests
{
    private const string ThreePolicies = """
        policies:
          - name: one
            where: "size > 0"
          - name: two
            where: "size > 1"
          - name: three
            priority: 5
            action: archive
            where: "sise > 2"
          - name: four
            where: "1"
            order: nosuch DESC
        """;

    [Fact]
    public void A_bad_where_in_the_third_policy_points_at_its_where_line()
    {
        var config = ConfigLoader.Parse(ThreePolicies, "t.yaml");
        var e = Assert.Throws<ConfigException>(() => PolicyValidator.Validate(config, "t.yaml"));
        Assert.Equal("t.yaml:9: policy 'three': where: no such column: sise (at position 1)", e.Message);
    }

    [Fact]
    public void A_bad_order_points_at_its_order_line()
    {
        var config = ConfigLoader.Parse(ThreePolicies.Replace("sise > 2", "size > 2", StringComparison.Ordinal), "t.yaml");
        var e = Assert.Throws<ConfigException>(() => PolicyValidator.Validate(config, "t.yaml"));
        Assert.StartsWith("t.yaml:12: policy 'four': order: no such column: nosuch", e.Message);
    }

    [Theory]
    [InlineData("size >= kib(1)", new[] { "d/k", "d/m" })]
    [InlineData("size >= mib(1)", new[] { "d/m" })]
    [InlineData("size >= mib(0.5) AND size < gib(1)", new[] { "d/m" })]
    [InlineData("size < tib(1) AND size > kib(2)", new[] { "d/m" })]
    public void Sizes_are_written_with_kib_mib_gib_tib(string where, string[] expected)
    {
        using var db = new PlannerIndex();
        db.File("b", 1000);
        db.File("k", 2048);
        db.File("m", 1 << 20);
        db.Index.Flush();
        var plan = PolicyPlanner.Plan(db.Index, [new PolicyConfig { Name = "p", Where = where }], new PlanOptions());
        Assert.Equal(expected, plan.Entries[0].Files.Select(f => f.Path!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_bare_1M_is_not_sql_and_says_so()
    {
        var e = Assert.Throws<PolicyConditionException>(() => PolicyCondition.Compile("size >= 1M"));
        Assert.Contains("1M", e.Message);
    }
}
