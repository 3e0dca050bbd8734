using System.Text;
using TierFs.Remote;

namespace TierFs.Tests.Remote;

public class CompositeCrc32CTests
{
    [Fact]
    public void Crc32C_is_the_standard_castagnoli_crc()
    {
        // The check value of CRC-32C (iSCSI, RFC 3720): "123456789" → 0xE3069283.
        Assert.Equal(0xE3069283u, Crc32C.Hash("123456789"u8));
        Assert.Equal(0u, Crc32C.Hash([]));
    }

    [Fact]
    public void Chunks_of_any_length_give_the_crc_of_the_whole()
    {
        var data = ChunkedChecksumTests.Pattern(10_007);
        var crc = new Crc32C();
        for (int offset = 0, step = 1; offset < data.Length; offset += step, step = step * 3 % 97 + 1)
            crc.Append(data.AsSpan(offset, Math.Min(step, data.Length - offset)));
        Assert.Equal(Crc32C.Hash(data), crc.Value);
    }

    // Expected values computed independently with a bitwise CRC-32C in Python:
    //   crc32c(b"".join(crc32c(part).to_bytes(4, "big") for part in parts)) as 8 hex digits + "-" + str(len(parts))
    [Theory]
    [InlineData("", 16 * 1024 * 1024, "48674bc7-1")]
    [InlineData("hello world", 16 * 1024 * 1024, "eb26fba1-1")]
    [InlineData("hello world", 4, "52e15a41-3")]
    public void Known_vectors(string text, long partSize, string expected) =>
        Assert.Equal(expected, CompositeCrc32C.Compute(Encoding.ASCII.GetBytes(text), partSize));

    [Theory]
    [InlineData(65536, "ee0e0089-5")]
    [InlineData(4096, "2f68d3f2-74")]
    public void Known_vectors_of_a_patterned_buffer(long partSize, string expected) =>
        Assert.Equal(expected, CompositeCrc32C.Compute(ChunkedChecksumTests.Pattern(300_000), partSize));

    [Fact]
    public void One_flipped_bit_changes_it()
    {
        var data = ChunkedChecksumTests.Pattern(200_000);
        var before = CompositeCrc32C.Compute(data, 65536);
        data[123_456] ^= 0x10;
        Assert.NotEqual(before, CompositeCrc32C.Compute(data, 65536));
    }
}
