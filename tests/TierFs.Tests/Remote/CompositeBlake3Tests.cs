using System.Security.Cryptography;
using System.Text;
using TierFs.IntegrationTests.Harness;
using TierFs.Remote;

namespace TierFs.Tests.Remote;

public class CompositeBlake3Tests
{
    [Fact]
    public void Blake3_is_the_standard_hash()
    {
        // The reference implementation (b3sum 1.2.0): printf abc | b3sum
        Assert.Equal("6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85", Convert.ToHexStringLower(CompositeBlake3.Hash("abc"u8)));
    }

    // Expected values computed independently with the reference implementation, b3sum 1.2.0 (Debian):
    //   b3(b"".join(b3(part) for part in parts)).hex() + "-" + str(len(parts)), b3 = `b3sum --raw -`
    [Theory]
    [InlineData("", 16 * 1024 * 1024, "82878ed8a480ee41775636820e05a934ca5c747223ca64306658ee5982e6c227-1")]
    [InlineData("hello world", 16 * 1024 * 1024, "642d9fa590c86290761657e9f2be8de96164f3a85177e8fbf698a1e5211576af-1")]
    [InlineData("hello world", 4, "72d8d9a9002abbdfbb2c3785dc5313224c08b935520424c1a337eb2f9db9b301-3")]
    public void Known_vectors(string text, long partSize, string expected) =>
        Assert.Equal(expected, CompositeBlake3.Compute(Encoding.ASCII.GetBytes(text), partSize));

    [Theory]
    [InlineData(65536, "d713c2ed0ec57578165df32ee582ce0f1cb80b79418f3a4e24121c4038bfe3e2-5")]
    [InlineData(4096, "05514d2cd2356e5dcde1e83244873c8e5fe1186a55d1703e1afc425a8a368053-74")]
    public void Known_vectors_of_a_patterned_buffer(long partSize, string expected) =>
        Assert.Equal(expected, CompositeBlake3.Compute(ChunkedChecksumTests.Pattern(300_000), partSize));

    [Fact]
    public void Combine_is_blake3_of_the_concatenated_part_digests_and_refuses_other_digests()
    {
        var parts = new[] { "abc"u8.ToArray(), "defg"u8.ToArray() };
        var digests = parts.Select(p => CompositeBlake3.Hash(p)).ToArray();
        var expected = Convert.ToHexStringLower(CompositeBlake3.Hash(digests.SelectMany(d => d).ToArray())) + "-2";
        Assert.Equal(expected, CompositeBlake3.Combine(digests));
        Assert.Throws<ArgumentException>(() => CompositeBlake3.Combine([MD5.HashData(parts[0])]));
    }

    [Fact]
    public void Bytes_forged_to_keep_every_part_crc_change_the_blake3_composite()
    {
        // What an attacker who can write the remote tier does to a recall verified by CRC: other bytes,
        // the same length, and 4 patched bytes per changed part so each part's CRC32C stays the same.
        var data = ChunkedChecksumTests.Pattern(300_000);
        var forged = CrcForgery.SameCrc(data, 70_000, "attacker's bytes"u8, 100_000); // both in part 2 of 5
        Assert.NotEqual(data, forged);

        Assert.Equal(CompositeCrc32C.Compute(data, 65536), CompositeCrc32C.Compute(forged, 65536));
        Assert.NotEqual(CompositeBlake3.Compute(data, 65536), CompositeBlake3.Compute(forged, 65536));
        Assert.NotEqual(ChunkedChecksum.Compute(data, 65536), ChunkedChecksum.Compute(forged, 65536));
    }
}
