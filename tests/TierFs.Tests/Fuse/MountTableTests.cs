using TierFs.Fuse;

namespace TierFs.Tests.Fuse;

public class MountTableTests
{
    [Fact]
    public void Parses_a_fuse_line_with_optional_fields()
    {
        var line = "512 29 0:58 / /tmp/t/mnt rw,nosuid,nodev,relatime shared:300 - fuse.tierfs /tmp/t/back rw,user_id=0,group_id=0,default_permissions,allow_other";
        var m = MountTable.Parse(line)!;
        Assert.Equal("/tmp/t/mnt", m.MountPoint);
        Assert.Equal("fuse.tierfs", m.FsType);
        Assert.Equal("/tmp/t/back", m.Source);
        Assert.Equal((0u, 58u), (m.Major, m.Minor));
        Assert.Equal("rw,nosuid,nodev,relatime", m.Options);
        Assert.Equal("rw,user_id=0,group_id=0,default_permissions,allow_other", m.SuperOptions);
    }

    [Fact]
    public void Decodes_octal_escapes_in_paths()
    {
        var line = @"1 2 8:1 / /mnt/with\040space\134x rw - ext4 /dev/sda1 rw";
        Assert.Equal(@"/mnt/with space\x", MountTable.Parse(line)!.MountPoint);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("1 2 8:1 / /mnt rw no-separator ext4")]
    public void Rejects_malformed_lines(string line) => Assert.Null(MountTable.Parse(line));

    [Fact]
    public void Reads_this_machines_table_with_a_root_mount() =>
        Assert.Contains(MountTable.Read(), m => m.MountPoint == "/");
}
