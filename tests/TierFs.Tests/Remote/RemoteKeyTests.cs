using TierFs.Remote;

namespace TierFs.Tests.Remote;

public class RemoteKeyTests
{
    [Theory]
    [InlineData("file")]
    [InlineData("a/b/c.dat")]
    [InlineData(".hidden/x")]
    [InlineData("数据/文件.txt")]
    public void Relative_paths_are_keys(string key) => RemoteKey.Validate(key);

    [Theory]
    [InlineData("")]
    [InlineData("/abs")]
    [InlineData("a//b")]
    [InlineData("a/")]
    [InlineData("../up")]
    [InlineData("a/./b")]
    [InlineData("a/.tierfs-meta.x.json")]
    [InlineData("tab\there")]
    public void Everything_else_is_refused(string key) => Assert.Throws<ArgumentException>(() => RemoteKey.Validate(key));

    [Theory]
    [InlineData(null, "")]
    [InlineData("", "")]
    [InlineData("/", "")]
    [InlineData("tierfs", "tierfs/")]
    [InlineData("/a/b/", "a/b/")]
    public void Prefixes_are_made_canonical(string? prefix, string expected) => Assert.Equal(expected, RemoteKey.NormalizePrefix(prefix));
}
