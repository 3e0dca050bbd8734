using TierFs.Host;

namespace TierFs.Tests.Cli;

public class MountNameTests
{
    [Theory]
    [InlineData("/data", "data")]
    [InlineData("/data/proj/", "data-proj")]
    [InlineData("/", "-")]
    [InlineData("/mnt/a b", "mnt-a\\x20b")]
    [InlineData("/mnt/.hidden", "mnt-.hidden")]
    public void Escapes_like_systemd(string path, string expected) => Assert.Equal(expected, MountName.For(path));

    [Fact]
    public void Long_paths_are_shortened_but_stay_distinct()
    {
        var a = MountName.For("/" + new string('a', 200) + "/x");
        var b = MountName.For("/" + new string('a', 200) + "/y");
        Assert.True(a.Length <= 80);
        Assert.NotEqual(a, b);
    }
}
