using System.Security.Cryptography;
using TierFs.Remote;

namespace TierFs.Tests.Remote;

public sealed class PartManifestTests
{
    [Fact]
    public void The_manifest_sits_beside_its_object_under_a_reserved_name()
    {
        Assert.Equal("data/ab/abc/.tierfs-parts.1.00ff", PartManifest.KeyFor("data/ab/abc/1.00ff"));
        Assert.Equal(".tierfs-parts.top", PartManifest.KeyFor("top"));
        Assert.Throws<ArgumentException>(() => RemoteKey.Validate(PartManifest.KeyFor("a/b"))); // no caller can name one
        Assert.Equal("data/ab/abc/1.00ff", PartManifest.DataKeyOf("data/ab/abc/.tierfs-parts.1.00ff"));
        Assert.Equal("top", PartManifest.DataKeyOf(".tierfs-parts.top"));
        Assert.Null(PartManifest.DataKeyOf("data/ab/abc/1.00ff"));
        Assert.Null(PartManifest.DataKeyOf("data/.tierfs-meta.x"));
        Assert.Null(PartManifest.DataKeyOf("data/.tierfs-parts."));
    }

    [Fact]
    public void Bytes_round_trip_and_combine_to_the_composites()
    {
        var data = RandomNumberGenerator.GetBytes(10_000);
        var plan = new PartPlan(data.Length, 4096);
        var parts = Enumerable.Range(0, plan.Count)
            .Select(i => TierFs.Remote.Transfer.PartDigest.Of(data.AsSpan((int)plan.OffsetOf(i), (int)plan.LengthOf(i)))).ToList();
        var bytes = PartManifest.FromDigests(plan, parts).ToBytes();
        Assert.Equal(28 + 3 * 36, bytes.Length);
        Assert.Equal("TFPARTS1"u8.ToArray(), bytes[..8]);

        var back = PartManifest.Parse(bytes, "t");
        Assert.Equal(plan, back.Plan);
        Assert.Equal(parts[2].Blake3, back.Blake3Of(2).ToArray());
        back.Verify(new ObjectDigest(data.Length, 4096, CompositeBlake3.Compute(data, 4096), CompositeCrc32C.Compute(data, 4096)), "t");
        back.Verify(new ObjectDigest(data.Length, 4096, CompositeBlake3.Compute(data, 4096)), "t"); // a record without a CRC
        Assert.Throws<RemoteDataException>(() => back.Verify(new ObjectDigest(data.Length, 4096, CompositeBlake3.Compute(RandomNumberGenerator.GetBytes(10_000), 4096)), "t"));
    }

    [Fact]
    public void Malformed_manifests_are_data_errors()
    {
        var plan = new PartPlan(10_000, 4096);
        var parts = Enumerable.Range(0, 3).Select(_ => TierFs.Remote.Transfer.PartDigest.Of(RandomNumberGenerator.GetBytes(10))).ToList();
        var good = PartManifest.FromDigests(plan, parts).ToBytes();
        Assert.Throws<RemoteDataException>(() => PartManifest.Parse(good[..^1], "t")); // truncated
        Assert.Throws<RemoteDataException>(() => PartManifest.Parse([.. good, 0], "t")); // trailing bytes
        Assert.Throws<RemoteDataException>(() => PartManifest.Parse("TFPARTS2"u8.ToArray().Concat(good[8..]).ToArray(), "t"));
        var wrongCount = (byte[])good.Clone();
        wrongCount[27] = 4;
        Assert.Throws<RemoteDataException>(() => PartManifest.Parse(wrongCount, "t"));
        var zeroPart = (byte[])good.Clone();
        Array.Clear(zeroPart, 16, 8);
        Assert.Throws<RemoteDataException>(() => PartManifest.Parse(zeroPart, "t"));
        Assert.Throws<ArgumentException>(() => new ObjectDigest(10_000, 4096, "00-2")); // a digest of another cut
    }
}
