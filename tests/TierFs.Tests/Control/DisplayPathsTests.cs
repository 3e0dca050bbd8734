using TierFs.Cli.Commands.Tier;

namespace TierFs.Tests.Control;

public class DisplayPathsTests
{
    private static DisplayPaths For(params (string Given, string Relative)[] given) =>
        new("/data", given.Select(g => ResolvedPath.On(g.Given, "/data", g.Relative)));

    [Fact]
    public void A_path_shows_as_given()
    {
        var d = For(("../proj/big.h5", "proj/big.h5"), ("/data/x", "x"));
        Assert.Equal("../proj/big.h5", d.For("proj/big.h5"));
        Assert.Equal("/data/x", d.For("x"));
    }

    [Fact]
    public void A_file_below_a_given_directory_shows_under_its_spelling()
    {
        var d = For(("./proj/", "proj"), ("proj/sub", "proj/sub"));
        Assert.Equal("./proj/a/b", d.For("proj/a/b"));
        Assert.Equal("proj/sub/c", d.For("proj/sub/c"));   // the deepest given directory wins
        Assert.Equal("./proj/subway", d.For("proj/subway"));
    }

    [Fact]
    public void Below_the_mount_root()
    {
        Assert.Equal("./a/b", For((".", "")).For("a/b"));
        Assert.Equal("/data/a", For(("/data", "")).For("a"));
        Assert.Equal("/a", For(("/", "")).For("a"));
    }

    [Fact]
    public void A_path_nobody_asked_for_shows_under_the_mountpoint() =>
        Assert.Equal("/data/elsewhere/f", For(("x", "x")).For("elsewhere/f"));
}
