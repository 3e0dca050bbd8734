using TierFs.Remote;

namespace TierFs.Tests.Remote;

public class RemoteStoreOptionsTests
{
    [Fact]
    public async Task The_factory_makes_the_store_the_options_name()
    {
        await using var s3 = RemoteStore.Create(new S3StoreOptions { Bucket = "archive", Prefix = "/tierfs/" });
        Assert.Equal("s3://archive/tierfs/ (AWS us-east-1)", s3.Description);
        await using var minio = RemoteStore.Create(new S3StoreOptions { Bucket = "archive", Endpoint = "http://127.0.0.1:9000" });
        Assert.Equal("s3://archive/ (http://127.0.0.1:9000)", minio.Description);
        await using var directory = RemoteStore.Create(new DirectoryStoreOptions { Path = "/srv/archive" });
        Assert.Equal("directory /srv/archive", directory.Description);
    }

    [Theory]
    [InlineData(4 * 1024 * 1024, 4, "part size")]
    [InlineData(2L * 1024 * 1024 * 1024, 4, "part size")]
    [InlineData(16 * 1024 * 1024, 0, "concurrency")]
    public void Bad_transfer_settings_are_refused(long partSize, int concurrency, string what)
    {
        var e = Assert.Throws<ArgumentException>(() => RemoteStore.Create(new S3StoreOptions { Bucket = "b", PartSize = partSize, Concurrency = concurrency }));
        Assert.Contains(what, e.Message);
    }

    [Theory]
    [InlineData("", null, "bucket")]
    [InlineData("a/b", null, "bucket")]
    [InlineData("b", "ftp://host", "endpoint")]
    [InlineData("b", "not a url", "endpoint")]
    [InlineData("b", "http://user:s3cr3t@127.0.0.1:9000", "endpoint must not hold credentials")]
    public void Bad_S3_settings_are_refused(string bucket, string? endpoint, string what)
    {
        var e = Assert.Throws<ArgumentException>(() => RemoteStore.Create(new S3StoreOptions { Bucket = bucket, Endpoint = endpoint }));
        Assert.Contains(what, e.Message);
        Assert.DoesNotContain("s3cr3t", e.Message);
    }

    [Fact]
    public void The_directory_store_accepts_small_parts_and_refuses_a_bad_prefix()
    {
        RemoteStore.Create(new DirectoryStoreOptions { Path = "/tmp", PartSize = 4096 });
        Assert.Throws<ArgumentException>(() => RemoteStore.Create(new DirectoryStoreOptions { Path = "/tmp", Prefix = "a/../b" }));
    }
}
