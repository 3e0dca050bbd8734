using TierFs.Tiering.Config;

namespace TierFs.Tests.Tiering;

public class ConfigLoaderTests
{
    private const string Full = """
        cluster_id: LC_1111
        remote:
          type: s3
          endpoint: http://127.0.0.1:4568
          bucket: tier
          prefix: east/
          region: us-east-1
          part_size: 8M
          concurrency: 8
          request_timeout: 45s
          delete_grace: 10m
        pair:
          name: heb
          local_share_path: /icfsdefault/namespace/heb_src
          remote_cluster_id: LC_222
          remote_share_path: /icfsdefault/namespace/zz_desc
          meta_sync_role: master
          remote_role: gpeer
        """;

    [Fact]
    public void Reads_every_key_of_the_documented_example()
    {
        var c = ConfigLoader.Parse(Full);
        Assert.Equal("LC_1111", c.ClusterId);
        Assert.Equal(RemoteType.S3, c.Remote.Type);
        Assert.Equal("http://127.0.0.1:4568", c.Remote.Endpoint);
        Assert.Equal("tier", c.Remote.Bucket);
        Assert.Equal("east/", c.Remote.Prefix);
        Assert.Equal(8L << 20, c.Remote.PartSize);
        Assert.Equal(8, c.Remote.Concurrency);
        Assert.Equal(TimeSpan.FromSeconds(45), c.Remote.RequestTimeout);
        Assert.Equal(TimeSpan.FromMinutes(10), c.Remote.DeleteGrace);
        Assert.NotNull(c.Pair);
        Assert.Equal("heb", c.Pair.Name);
        Assert.Equal(MetaSyncRole.Master, c.Pair.MetaSyncRole);
        Assert.Equal(RemoteRole.Gpeer, c.Pair.RemoteRole);
        Assert.Equal("LC_1111,/icfsdefault/namespace/heb_src,LC_222,/icfsdefault/namespace/zz_desc", c.Pair.ContractValue(c.ClusterId));
    }

    [Fact]
    public void Empty_file_means_the_embedded_directory_default()
    {
        var c = ConfigLoader.Parse("");
        Assert.Equal(RemoteType.Directory, c.Remote.Type);
        Assert.Null(c.Remote.Path);
        Assert.Null(c.Pair);
    }

    [Theory]
    [InlineData("remote:\n  type: s3\n  bukcet: tier\n", "config:3: remote.bukcet: unknown key")]
    [InlineData("remote:\n  type: s3\n", "remote.bucket: is required with type: s3")]
    [InlineData("remote:\n  type: ftp\n", "remote.type: expected one of directory, s3, got 'ftp'")]
    [InlineData("remote:\n  concurrency: many\n", "remote.concurrency: expected a whole number")]
    [InlineData("remote:\n  request_timeout: soon\n", "remote.request_timeout: expected a duration")]
    [InlineData("remote:\n  part_size: 1\n", "remote.part_size: expected a size from 4K to 1G")]
    [InlineData("remote:\n  type: directory\n  bucket: x\n", "remote.bucket: belongs to type: s3")]
    [InlineData("remote:\n  path: relative/dir\n", "remote.path: expected an absolute path")]
    [InlineData("remote: [1, 2]\n", "remote: expected a section")]
    [InlineData("pair:\n  name: heb\n", "pair.local_share_path: is required")]
    [InlineData("pair:\n  name: heb\n  local_share_path: /a\n  remote_cluster_id: B\n  remote_share_path: /b\n  remote_role: peer\n", "pair.remote_role: expected one of gfs, gpeer")]
    [InlineData("pair:\n  name: ../x\n  local_share_path: /a\n  remote_cluster_id: B\n  remote_share_path: /b\n", "pair.name: expected letters, digits")]
    [InlineData("meta_sync:\n  interval: 0s\n", "meta_sync.interval: ")]
    [InlineData("meta_sync:\n  enabled: maybe\n", "meta_sync.enabled: expected one of")]
    [InlineData("meta_sync:\n  max_delta: 3\n", "meta_sync.max_delta: unknown key")]
    [InlineData("west:\n  refresh: 0s\n", "west.refresh: expected a duration from 1s to 1d")]
    [InlineData("west:\n  cache_size: 1M\n", "west.cache_size: expected a size from 16M")]
    [InlineData("west:\n  read_ahead: 100\n", "west.read_ahead: expected a whole number from 0 to 64")]
    [InlineData("west:\n  refesh: 5s\n", "west.refesh: unknown key")]
    [InlineData("clusterid: x\n", "config:1: clusterid: unknown key")]
    [InlineData("remote:\n  type: s3\n  bucket: b\n  endpoint: not a url\n", "remote.endpoint: expected a URL")]
    [InlineData("a: [unclosed\n", "not valid YAML")]
    [InlineData("- just\n- a list\n", "expected key: value lines at the top level")]
    public void Bad_configs_name_the_key(string yaml, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(yaml));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Meta_sync_keys_are_read_and_default_to_a_publication_every_five_minutes()
    {
        Assert.Equal(new MetaSyncConfig { Enabled = true, Interval = TimeSpan.FromMinutes(5), MaxDeltas = 64, KeepGenerations = 100, PruneGrace = TimeSpan.FromHours(1) },
            ConfigLoader.Parse("").MetaSync);
        var c = ConfigLoader.Parse("meta_sync:\n  enabled: false\n  interval: 30s\n  max_deltas: 8\n  keep_generations: 3\n  prune_grace: 0s\n");
        Assert.Equal(new MetaSyncConfig { Enabled = false, Interval = TimeSpan.FromSeconds(30), MaxDeltas = 8, KeepGenerations = 3, PruneGrace = TimeSpan.Zero }, c.MetaSync);
        Assert.Contains("meta_sync.keep_generations", Assert.Throws<ConfigException>(() => ConfigLoader.Parse("meta_sync:\n  keep_generations: 1001\n")).Message);
    }

    [Fact]
    public void West_keys_are_read_and_default_to_a_refresh_every_ten_seconds_and_a_cache_of_one_gib()
    {
        Assert.Equal(new WestConfig { Refresh = TimeSpan.FromSeconds(10), CacheSize = 1L << 30, ReadAhead = 4 }, ConfigLoader.Parse("").West);
        var c = ConfigLoader.Parse("west:\n  refresh: 2s\n  cache_size: 64M\n  read_ahead: 0\n");
        Assert.Equal(new WestConfig { Refresh = TimeSpan.FromSeconds(2), CacheSize = 64L << 20, ReadAhead = 0 }, c.West);
    }

    [Theory]
    [InlineData("http://user:s3cr3t@127.0.0.1:9000")]
    [InlineData("https://s3cr3t@s3.example.com")]
    [InlineData("http://user:s3cr3t@[::1]:9000/")]
    public void Credentials_in_the_endpoint_are_refused_and_never_echoed(string endpoint)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse($"remote:\n  type: s3\n  bucket: b\n  endpoint: {endpoint}\n"));
        Assert.Contains("remote.endpoint: must not hold credentials", e.Message);
        Assert.DoesNotContain("s3cr3t", e.Message);
    }

    [Fact]
    public void Missing_file_is_a_clear_error()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load("/nonexistent/tierfs.yaml"));
        Assert.StartsWith("/nonexistent/tierfs.yaml: cannot read", e.Message);
    }

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("10m", 600)]
    [InlineData("1h", 3600)]
    [InlineData("7d", 604800)]
    [InlineData("1.5s", 1.5)]
    public void Durations(string text, double seconds)
    {
        Assert.True(Units.TryParseDuration(text, out var d));
        Assert.Equal(seconds, d.TotalSeconds);
    }

    [Theory]
    [InlineData("1048576", 1048576L)]
    [InlineData("16M", 16L << 20)]
    [InlineData("100G", 100L << 30)]
    [InlineData("4KiB", 4096L)]
    [InlineData("1.5K", 1536L)]
    public void Sizes(string text, long bytes)
    {
        Assert.True(Units.TryParseSize(text, out var n));
        Assert.Equal(bytes, n);
    }

    [Theory]
    [InlineData("10x")]
    [InlineData("-1M")]
    [InlineData("0.3")]
    public void Bad_sizes(string text) => Assert.False(Units.TryParseSize(text, out _));
}
