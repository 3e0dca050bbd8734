using TierFs.Fuse;

namespace TierFs.Tests.Fuse;

public class MountOptionsTests
{
    [Fact]
    public void Arguments_carry_fsname_subtype_and_permission_options()
    {
        var o = new FuseMountOptions { FsName = "/srv/data", Subtype = "tierfs", ReadOnly = true };
        o.ExtraOptions.Add("noatime");
        Assert.Equal(["tierfs", "-o", "fsname=/srv/data,subtype=tierfs,allow_other,default_permissions,ro,noatime"], o.ToArguments());
    }

    [Fact]
    public void Debug_adds_the_libfuse_debug_flag()
    {
        var o = new FuseMountOptions { Debug = true, AllowOther = false, DefaultPermissions = false };
        Assert.Equal(["tierfs", "-o", "fsname=fuse", "-d"], o.ToArguments());
    }

    [Theory]
    [InlineData("/a,b", "/a\\,b")]
    [InlineData("/a\\b", "/a\\\\b")]
    [InlineData("/plain", "/plain")]
    public void Commas_and_backslashes_in_values_are_escaped_for_libfuse(string value, string escaped) =>
        Assert.Equal(escaped, FuseMountOptions.Escape(value));
}
