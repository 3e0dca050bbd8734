using TierFs.Policies;
using TierFs.Tiering.Config;

namespace TierFs.Tests.Tiering;

/// <summary>
/// Every key of the configuration, given a value of the wrong type or out of its range: refused by
/// a <see cref="ConfigException"/> that names the file, the line of that key and the key, never
/// another exception (which reached users as a stack trace and exit 134).
/// </summary>
public class ConfigFuzzTests
{
    public static TheoryData<string, string> BadValues()
    {
        var data = new TheoryData<string, string>();
        foreach (var (key, value) in ConfigFuzzCases.BadValues) data.Add(key, value);
        return data;
    }

    [Fact]
    public void The_configuration_with_every_key_is_valid()
    {
        var config = ConfigLoader.Parse(string.Join('\n', ConfigFuzzCases.Lines), "t.yaml");
        PolicyValidator.Validate(config, "t.yaml");
        Assert.Equal((16L << 20, TimeSpan.FromSeconds(30)), (config.Remote.PartSize, config.Remote.RequestTimeout));
        Assert.Equal(TierFs.Common.LogLevel.Info, config.LogLevel);
    }

    [Theory]
    [MemberData(nameof(BadValues))]
    public void A_bad_value_is_refused_at_the_line_of_its_key(string key, string value)
    {
        var (yaml, line) = ConfigFuzzCases.With(key, value);
        var e = Assert.Throws<ConfigException>(() => PolicyValidator.Validate(ConfigLoader.Parse(yaml, "t.yaml"), "t.yaml"));
        Assert.StartsWith($"t.yaml:{line}: ", e.Message);
        Assert.Contains(key, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("99999999999d")]
    [InlineData("1e3s")]
    [InlineData("-1s")]
    public void A_duration_beyond_a_timespan_is_no_duration(string text) => Assert.False(Units.TryParseDuration(text, out _));

    [Theory]
    [InlineData("9223372036854775807")]
    [InlineData("8E")]
    [InlineData("9999999999999P")]
    public void A_size_beyond_a_long_is_no_size(string text) => Assert.False(Units.TryParseSize(text, out _));

    [Fact]
    public void A_directory_archive_takes_small_parts_and_s3_does_not()
    {
        Assert.Equal(4096, ConfigLoader.Parse("remote:\n  part_size: 4K\n").Remote.PartSize);
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("remote:\n  type: s3\n  bucket: b\n  part_size: 4K\n", "t.yaml"));
        Assert.StartsWith("t.yaml:4: remote.part_size: expected a size from 5M to 1G", e.Message);
    }

    [Fact]
    public void A_key_that_does_not_belong_is_named_at_its_own_line()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("remote:\n  type: s3\n  bucket: b\n\n  path: /srv/archive\n", "t.yaml"));
        Assert.Equal("t.yaml:5: remote.path: belongs to type: directory, not s3", e.Message);
    }
}
