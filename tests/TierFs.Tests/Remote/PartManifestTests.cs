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

    [Fact]
    public void An_object_of_parts_big_enough_gets_format_2_with_its_first_parts_lead_tree()
    {
        var data = RandomNumberGenerator.GetBytes(200_000);
        var plan = new PartPlan(data.Length, 65_536);
        var parts = Enumerable.Range(0, plan.Count)
            .Select(i => TierFs.Remote.Transfer.PartDigest.Of(data.AsSpan((int)plan.OffsetOf(i), (int)plan.LengthOf(i)), TierFs.Remote.Transfer.PartDigest.HasLead(plan, i))).ToList();
        Assert.NotNull(parts[0].Lead);
        Assert.Null(parts[1].Lead);
        var bytes = PartManifest.FromDigests(plan, parts).ToBytes();
        Assert.Equal("TFPARTS2"u8.ToArray(), bytes[..8]);
        Assert.Equal(28 + 4 * 36 + 12 + 4 * 32, bytes.Length);
        var back = PartManifest.Parse(bytes, "t");
        Assert.Equal(16_384, back.Lead!.LeafSize);
        Assert.Equal(parts[0].Lead!.CvOf(3).ToArray(), back.Lead.CvOf(3).ToArray());
        var digest = new ObjectDigest(data.Length, 65_536, CompositeBlake3.Compute(data, 65_536), CompositeCrc32C.Compute(data, 65_536));
        back.Verify(digest, "t");

        // A lead tree that does not merge to the first part's BLAKE3 refuses the manifest.
        var forged = (byte[])bytes.Clone();
        forged[^1] ^= 1;
        var e = Assert.Throws<RemoteDataException>(() => PartManifest.Parse(forged, "t").Verify(digest, "t"));
        Assert.Contains("lead tree does not merge", e.Message);
        Assert.Throws<RemoteDataException>(() => PartManifest.Parse(bytes[..^1], "t")); // truncated lead
        var tooMany = (byte[])bytes.Clone();
        tooMany[28 + 4 * 36 + 11] = 5;
        Assert.Throws<RemoteDataException>(() => PartManifest.Parse(tooMany, "t"));
        var badLeaf = (byte[])bytes.Clone();
        badLeaf[28 + 4 * 36 + 7] = 0x01; // a leaf size that is no power of two
        Assert.Throws<RemoteDataException>(() => PartManifest.Parse(badLeaf, "t"));
    }
}
