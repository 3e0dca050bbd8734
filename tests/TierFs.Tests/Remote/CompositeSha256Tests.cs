using System.Security.Cryptography;
using System.Text;
using TierFs.IntegrationTests.Harness;
using TierFs.Remote;

namespace TierFs.Tests.Remote;

public class CompositeSha256Tests
{
    // Expected values computed independently with Python's hashlib:
    //   sha256(b"".join(sha256(part).digest() for part in parts)).hexdigest() + "-" + str(len(parts))
    [Theory]
    [InlineData("", 16 * 1024 * 1024, "5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456-1")]
    [InlineData("hello world", 16 * 1024 * 1024, "bc62d4b80d9e36da29c16c5d4d9f11731f36052c72401a76c23c0fb5a9b74423-1")]
    [InlineData("hello world", 4, "27e89a419b10f4630e93ce5507793b1c14e69aa0bbf09f3a7773a2c6fa5eb2d3-3")]
    public void Known_vectors(string text, long partSize, string expected) =>
        Assert.Equal(expected, CompositeSha256.Compute(Encoding.ASCII.GetBytes(text), partSize));

    [Theory]
    [InlineData(65536, "7dc55a2badc139682808720cc1b2bb4d2a351d14defb8ca78eba0bc4aacd1982-5")]
    [InlineData(4096, "1c59672e4ad85d221ff0016e5a4d461e408651ca37567fd9a215292e6b65fc43-74")]
    public void Known_vectors_of_a_patterned_buffer(long partSize, string expected) =>
        Assert.Equal(expected, CompositeSha256.Compute(ChunkedChecksumTests.Pattern(300_000), partSize));

    [Fact]
    public void Combine_is_sha256_of_the_concatenated_part_sha256s()
    {
        var parts = new[] { "abc"u8.ToArray(), "defg"u8.ToArray() };
        var digests = parts.Select(p => SHA256.HashData(p)).ToArray();
        var expected = Convert.ToHexStringLower(SHA256.HashData(digests.SelectMany(d => d).ToArray())) + "-2";
        Assert.Equal(expected, CompositeSha256.Combine(digests));
        Assert.Throws<ArgumentException>(() => CompositeSha256.Combine([MD5.HashData(parts[0])]));
    }

    [Fact]
    public void Bytes_forged_to_keep_every_part_crc_change_the_sha256_composite()
    {
        // What an attacker who can write the remote tier does to a recall verified by CRC: other bytes,
        // the same length, and 4 patched bytes per changed part so each part's CRC32C stays the same.
        var data = ChunkedChecksumTests.Pattern(300_000);
        var forged = CrcForgery.SameCrc(data, 70_000, "attacker's bytes"u8, 100_000); // both in part 2 of 5
        Assert.NotEqual(data, forged);

        Assert.Equal(CompositeCrc32C.Compute(data, 65536), CompositeCrc32C.Compute(forged, 65536));
        Assert.NotEqual(CompositeSha256.Compute(data, 65536), CompositeSha256.Compute(forged, 65536));
        Assert.NotEqual(ChunkedChecksum.Compute(data, 65536), ChunkedChecksum.Compute(forged, 65536));
    }
}
