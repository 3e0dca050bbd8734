using TierFs.Cli.Commands.Tier;
using TierFs.Fuse;

namespace TierFs.Tests.Control;

/// <summary>Real directories and symlinks in a temp tree; the mount table is made up.</summary>
public sealed class TierPathResolverTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("tierfs-res-").FullName;
    private string Mnt => Path.Combine(_root, "mnt");

    public TierPathResolverTests()
    {
        Directory.CreateDirectory(Path.Combine(Mnt, "sub", "deep"));
        Directory.CreateDirectory(Path.Combine(Mnt, "nested"));
        Directory.CreateDirectory(Path.Combine(_root, "other"));
        File.WriteAllText(Path.Combine(Mnt, "sub", "f"), "x");
        File.CreateSymbolicLink(Path.Combine(_root, "link"), Path.Combine(Mnt, "sub"));
        File.CreateSymbolicLink(Path.Combine(Mnt, "sub", "out"), Path.Combine(_root, "other"));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static MountInfo M(string at, string type) => new(at, type, "src", 0, 1, "rw");

    private TierPathResolver Resolver(string? cwd = null, params MountInfo[] extra) =>
        new(() => [M("/", "ext4"), M(Mnt, "fuse.tierfs"), M(Path.Combine(Mnt, "nested"), "nfs"), .. extra], cwd);

    private (string?, string?, string?) Resolve(string given, TierPathResolver? r = null)
    {
        var p = (r ?? Resolver()).Resolve(given);
        Assert.Equal(given, p.Given);
        return (p.MountPoint, p.Relative, p.Error);
    }

    [Fact]
    public void A_file_under_the_mount() => Assert.Equal((Mnt, "sub/f", null), Resolve(Path.Combine(Mnt, "sub/f")));

    [Fact]
    public void A_file_not_yet_there_is_left_to_the_daemon() => Assert.Equal((Mnt, "sub/nothing", null), Resolve(Path.Combine(Mnt, "sub/nothing")));

    [Fact]
    public void The_mount_root_itself() => Assert.Equal((Mnt, "", null), Resolve(Mnt));

    [Fact]
    public void The_mount_root_with_a_trailing_slash_or_dot_dot() =>
        Assert.Equal([(Mnt, "", null), (Mnt, "", null)], new[] { Resolve(Mnt + "/"), Resolve(Path.Combine(Mnt, "sub/..")) });

    [Fact]
    public void A_symlinked_parent_is_followed() => Assert.Equal((Mnt, "sub/f", null), Resolve(Path.Combine(_root, "link/f")));

    [Fact]
    public void The_last_component_is_not_followed() => Assert.Equal((Mnt, "sub/out", null), Resolve(Path.Combine(Mnt, "sub/out")));

    [Fact]
    public void A_symlink_outside_the_mount_is_not_on_it_unless_followed_with_a_slash()
    {
        Assert.Equal((null, null, "not on a TierFs mount"), Resolve(Path.Combine(_root, "link")));
        Assert.Equal((Mnt, "sub", null), Resolve(Path.Combine(_root, "link") + "/"));
    }

    [Fact]
    public void Relative_paths_start_at_the_working_directory()
    {
        var r = Resolver(cwd: Path.Combine(Mnt, "sub", "deep"));
        Assert.Equal((Mnt, "sub/f", null), Resolve("../f", r));
        Assert.Equal((Mnt, "sub/deep", null), Resolve(".", r));
        Assert.Equal((Mnt, "sub/deep/x", null), Resolve("x", r));
    }

    [Fact]
    public void Outside_any_TierFs_mount()
    {
        Assert.Equal((null, null, "not on a TierFs mount"), Resolve(Path.Combine(_root, "other/f")));
        Assert.Equal((null, null, "not on a TierFs mount"), Resolve("/"));
    }

    [Fact]
    public void A_filesystem_mounted_inside_the_TierFs_mount_is_not_TierFs() =>
        Assert.Equal((null, null, "not on a TierFs mount"), Resolve(Path.Combine(Mnt, "nested/f")));

    [Fact]
    public void A_missing_parent_or_a_file_as_parent()
    {
        Assert.Equal((null, null, "no such file or directory"), Resolve(Path.Combine(Mnt, "nope/f")));
        Assert.Equal((null, null, "not a directory"), Resolve(Path.Combine(Mnt, "sub/f/g")));
        Assert.Equal((null, null, "no such file or directory"), Resolve(""));
    }

    [Fact]
    public void In_place_the_mount_listed_last_is_the_one_on_top()
    {
        var below = new TierPathResolver(() => [M("/", "ext4"), M(Mnt, "ext4"), M(Mnt, "fuse.tierfs")]);
        Assert.Equal((Mnt, "sub/f", null), Resolve(Path.Combine(Mnt, "sub/f"), below));
        var above = new TierPathResolver(() => [M("/", "ext4"), M(Mnt, "fuse.tierfs"), M(Mnt, "tmpfs")]);
        Assert.Equal((null, null, "not on a TierFs mount"), Resolve(Path.Combine(Mnt, "sub/f"), above));
    }

    [Fact]
    public void A_mount_whose_name_is_a_prefix_of_another_directory_does_not_contain_it()
    {
        Directory.CreateDirectory(Mnt + "2");
        Assert.Equal((null, null, "not on a TierFs mount"), Resolve(Mnt + "2/f"));
    }

    [Fact]
    public void Paths_are_grouped_by_mount_in_the_order_given()
    {
        var second = Path.Combine(_root, "other");
        var r = Resolver(null, M(second, "fuse.tierfs"));
        var (byMount, failed) = r.ResolveAll([Path.Combine(Mnt, "a"), Path.Combine(second, "b"), "/etc/x", Path.Combine(_root, "link/c")]);
        Assert.Equal([Mnt, second], byMount.Select(g => g.Key));
        Assert.Equal(["a", "sub/c"], byMount[0].Select(p => p.Relative));
        Assert.Equal("/etc/x", Assert.Single(failed).Given);
    }
}
