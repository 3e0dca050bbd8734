using System.Text;
using TierFs.Remote;

namespace TierFs.Tests.Remote;

public class ChunkedChecksumTests
{
    // Expected values computed independently with Python's hashlib:
    //   md5(b"".join(md5(part).digest() for part in parts)).hexdigest() + "-" + str(len(parts))
    [Theory]
    [InlineData("", 16 * 1024 * 1024, "59adb24ef3cdbe0297f05b395827453f-1")]
    [InlineData("hello world", 16 * 1024 * 1024, "241d8a27c836427bd7f04461b60e7359-1")]
    [InlineData("hello world", 4, "177e85e8bb233bd57a6aabda201a0c2c-3")]
    public void Known_vectors(string text, long partSize, string expected)
    {
        Assert.Equal(expected, ChunkedChecksum.Compute(Encoding.ASCII.GetBytes(text), partSize));
    }

    [Theory]
    [InlineData(65536, "1c532268fac0527aa245558489d1e033-5")]
    [InlineData(4096, "e17bc85fc991ceb28cd6334a9bec97f2-74")]
    public void Known_vectors_of_a_patterned_buffer(long partSize, string expected)
    {
        Assert.Equal(expected, ChunkedChecksum.Compute(Pattern(300_000), partSize));
    }

    [Fact]
    public void Combine_is_md5_of_the_concatenated_part_md5s()
    {
        var parts = new[] { "abc"u8.ToArray(), "defg"u8.ToArray() };
        var digests = parts.Select(p => System.Security.Cryptography.MD5.HashData(p)).ToArray();
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(digests.SelectMany(d => d).ToArray())) + "-2";
        Assert.Equal(expected, ChunkedChecksum.Combine(digests));
    }

    [Fact]
    public async Task The_file_form_equals_the_memory_form()
    {
        var path = Path.GetTempFileName();
        try
        {
            var data = Pattern(300_000);
            File.WriteAllBytes(path, data);
            using var handle = File.OpenHandle(path);
            Assert.Equal(ChunkedChecksum.Compute(data, 65536), await ChunkedChecksum.ComputeAsync(handle, data.Length, 65536, CancellationToken.None));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void One_changed_byte_changes_the_checksum()
    {
        var data = Pattern(300_000);
        var before = ChunkedChecksum.Compute(data, 65536);
        data[200_000] ^= 1;
        Assert.NotEqual(before, ChunkedChecksum.Compute(data, 65536));
    }

    [Fact]
    public void Combine_refuses_what_is_not_an_md5()
    {
        Assert.Throws<ArgumentException>(() => ChunkedChecksum.Combine([new byte[15]]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChunkedChecksum.Combine([]));
    }

    internal static byte[] Pattern(int length) => Enumerable.Range(0, length).Select(i => (byte)((i * 7 + 3) % 251)).ToArray();
}
