using TierFs.Host;

namespace TierFs.Tests.Cli;

public class MountSettingsTests
{
    private static MountSettings New() => new() { Backing = "/srv/data", MountPoint = "/data" };

    [Fact]
    public void Known_options_set_their_values()
    {
        var s = New();
        s.ApplyOptions("attr_timeout=2.5,entry_timeout=0,negative_timeout=3,threads=8,read_ahead_kb=4096,state_dir=/x,no_keep_cache,ro,debug,noflush,noacl,max_inode_fds=100");
        Assert.Equal(2.5, s.AttrTimeout);
        Assert.Equal(0, s.EntryTimeout);
        Assert.Equal(3, s.NegativeTimeout);
        Assert.Equal(8u, s.Threads);
        Assert.Equal(4096u, s.ReadAheadKb);
        Assert.Equal("/x", s.StateDir);
        Assert.False(s.KeepCache);
        Assert.True(s.ReadOnly);
        Assert.True(s.FuseDebug);
        Assert.False(s.FlushOnClose);
        Assert.False(s.PosixAcl);
        Assert.Equal(100u, s.MaxInodeFds);
        Assert.Null(New().FlushOnClose);
    }

    [Fact]
    public void Log_options_set_the_level_and_the_rotation()
    {
        var s = New();
        Assert.Null(s.LogLevel);
        s.ApplyOptions("log_level=debug,log_max_size=2K,log_files=3");
        Assert.Equal(TierFs.Common.LogLevel.Debug, s.LogLevel);
        Assert.Equal(2048, s.LogMaxBytes);
        Assert.Equal(3, s.LogFiles);
        s.ApplyOptions("log_max_size=0");
        Assert.Equal(0, s.LogMaxBytes);
        foreach (var bad in new[] { "log_level=loud", "log_max_size=big", "log_max_size=-1", "log_files=0" })
            Assert.StartsWith($"mount option {bad}", Assert.Throws<UsageException>(() => New().ApplyOptions(bad)).Message);
    }

    [Fact]
    public void Fstab_words_are_ignored_and_kernel_flags_passed_through()
    {
        var s = New();
        s.ApplyOptions("defaults,rw,_netdev,nofail,noauto,x-systemd.automount,comment=x,nosuid,nodev,noatime");
        Assert.Equal(["nosuid", "nodev", "noatime"], s.KernelOptions);
    }

    [Theory]
    [InlineData("bogus", "unknown mount option 'bogus'")]
    [InlineData("attr_timeout=abc", "attr_timeout=abc")]
    [InlineData("attr_timeout=-1", "expected seconds")]
    [InlineData("threads=0", "threads=0")]
    [InlineData("threads", "needs a value")]
    [InlineData("nosuid=1", "unknown mount option 'nosuid=1'")]
    public void Bad_options_name_the_option(string list, string expected)
    {
        var e = Assert.Throws<UsageException>(() => New().ApplyOptions(list));
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData(true, false, 60.0)]
    [InlineData(true, true, 1.0)]
    [InlineData(false, false, 1.0)]
    [InlineData(false, true, 1.0)]
    public void Long_caching_only_in_place_on_a_local_disk(bool inPlace, bool network, double expected) =>
        Assert.Equal(expected, MountSettings.DefaultTimeout(inPlace, network));

    [Fact]
    public void Same_path_twice_is_in_place()
    {
        Assert.True(new MountSettings { Backing = "/data/", MountPoint = "/data" }.InPlace);
        Assert.False(New().InPlace);
    }

    [Fact]
    public void Default_state_dir_is_named_after_the_mountpoint() =>
        Assert.Equal("/var/lib/tierfs/data", New().ResolvedStateDir);
}

/// <summary>`tierfs mount --help` lists every -o option from the same table the options are read with.</summary>
public class MountOptionsHelpTests
{
    [Theory]
    [InlineData("attr_timeout=S")]
    [InlineData("entry_timeout=S")]
    [InlineData("negative_timeout=S")]
    [InlineData("threads=N")]
    [InlineData("idle_threads=N")]
    [InlineData("read_ahead_kb=N")]
    [InlineData("max_inode_fds=N")]
    [InlineData("state_dir=DIR")]
    [InlineData("config=FILE")]
    [InlineData("delete_interval=S")]
    [InlineData("keep_cache")]
    [InlineData("no_keep_cache")]
    [InlineData("passthrough")]
    [InlineData("no_passthrough")]
    [InlineData("flush")]
    [InlineData("noflush")]
    [InlineData("acl")]
    [InlineData("noacl")]
    [InlineData("nodaemon")]
    [InlineData("allow_foreign")]
    [InlineData("log_level=L")]
    [InlineData("log_max_size=SIZE")]
    [InlineData("log_files=N")]
    [InlineData("nonempty")]
    [InlineData("ro")]
    [InlineData("debug")]
    public void Every_option_is_in_the_help_and_is_accepted(string usage)
    {
        Assert.Contains(usage + ": ", MountSettings.OptionsHelp);
        var s = new MountSettings { Backing = "/srv/data", MountPoint = "/data" };
        s.ApplyOptions(usage.Replace("=SIZE", "=1M").Replace("=S", "=1").Replace("=N", "=16").Replace("=DIR", "=/x").Replace("=FILE", "=/x.yaml").Replace("=L", "=debug"));
    }

    [Fact]
    public void The_theory_above_lists_every_option_of_the_table()
    {
        var listed = typeof(MountOptionsHelpTests).GetMethod(nameof(Every_option_is_in_the_help_and_is_accepted))!
            .GetCustomAttributes(typeof(InlineDataAttribute), false).Cast<InlineDataAttribute>().Select(a => (string)a.GetData(null!).First()[0]);
        Assert.Equal(MountSettings.OptionUsages.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_flag_with_a_value_and_nonempty_are_understood()
    {
        var s = new MountSettings { Backing = "/srv/data", MountPoint = "/data" };
        Assert.Contains("ro takes no value", Assert.Throws<UsageException>(() => s.ApplyOptions("ro=1")).Message);
        s.ApplyOptions("nonempty");
        Assert.True(s.NonEmpty);
    }
}
