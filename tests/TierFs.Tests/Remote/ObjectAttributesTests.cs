using TierFs.Remote;

namespace TierFs.Tests.Remote;

public class ObjectAttributesTests
{
    public const string PairValue = "LC_1111,/icfsdefault/namespace/heb_src,LC_222,/icfsdefault/namespace/zz_desc";

    [Fact]
    public void The_attribute_contract_passes()
    {
        ObjectAttributes.Validate(new Dictionary<string, string>
        {
            ["ltr_local_to_remote"] = PairValue,
            ["rtl_remote_to_local"] = PairValue,
            ["meta.sync-role"] = "1",
        });
    }

    [Theory]
    [InlineData("LTR_local", "x", "lowercase")]
    [InlineData("has space", "x", "lowercase")]
    [InlineData("", "x", "1 to")]
    [InlineData("tierfs-part-size", "1", "reserved")]
    [InlineData("x-amz-meta-foo", "1", "x-amz-meta-")]
    [InlineData("k", "caf\u00e9", "printable ASCII")]
    [InlineData("k", "line\nbreak", "printable ASCII")]
    [InlineData("k", " padded", "trimmed")]
    [InlineData("k", "padded ", "trimmed")]
    [InlineData("k", "", "empty")]
    public void Bad_attributes_are_refused_with_the_reason(string key, string value, string reason)
    {
        var e = Assert.Throws<ArgumentException>(() => ObjectAttributes.Validate(new Dictionary<string, string> { [key] = value }));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void More_than_2KB_in_all_is_refused()
    {
        var many = Enumerable.Range(0, 30).ToDictionary(i => $"k{i}", _ => new string('v', 80));
        var e = Assert.Throws<ArgumentException>(() => ObjectAttributes.Validate(many));
        Assert.Contains("2 KB", e.Message);
    }

    [Fact]
    public void The_part_size_travels_with_the_attributes_and_comes_back_apart()
    {
        var stored = ObjectAttributes.WithPartSize(new Dictionary<string, string> { ["ltr_local_to_remote"] = PairValue }, 8 * 1024 * 1024);
        Assert.Equal("8388608", stored[ObjectAttributes.PartSizeKey]);
        var (attributes, partSize) = ObjectAttributes.Split(stored);
        Assert.Equal(8 * 1024 * 1024, partSize);
        Assert.Equal(PairValue, Assert.Single(attributes).Value);
    }
}
