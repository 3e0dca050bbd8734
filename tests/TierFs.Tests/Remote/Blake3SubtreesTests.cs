using System.Security.Cryptography;
using TierFs.Remote;

namespace TierFs.Tests.Remote;

/// <summary>
/// Our BLAKE3 subtree hashing against the Blake3 package: the CVs of a part's leaves merge to the
/// part's BLAKE3 for every cut, and a changed byte changes its leaf's CV and only that one.
/// </summary>
public sealed class Blake3SubtreesTests
{
    [Theory]
    [InlineData(2048, 1024)]
    [InlineData(3073, 1024)]
    [InlineData(5000, 2048)]
    [InlineData(64 * 1024, 16 * 1024)]
    [InlineData(64 * 1024 + 100, 16 * 1024)]
    [InlineData(100_000, 4096)]
    [InlineData(1024 * 1024 + 5, 262_144)]
    [InlineData(3 * 1024 * 1024 - 1, 1024 * 1024)]
    [InlineData(5 * 1024 * 1024, 1024 * 1024)]
    public void The_leaves_merge_to_the_packages_hash(int length, int leafSize)
    {
        var data = RandomNumberGenerator.GetBytes(length);
        var cvs = Leaves(data, leafSize);
        Assert.Equal(Blake3.Hasher.Hash(data).AsSpan().ToArray(), Blake3Subtrees.RootOf(cvs, leafSize, length));
    }

    [Theory]
    [InlineData(2048)]
    [InlineData(64 * 1024)]
    [InlineData(64 * 1024 + 1)]
    [InlineData(5 * 1024 * 1024 + 3)]
    [InlineData(16 * 1024 * 1024)]
    public void The_lead_tree_of_a_part_merges_to_its_blake3_and_checks_each_leaf(int length)
    {
        var data = RandomNumberGenerator.GetBytes(length);
        var lead = LeadTree.Of(data)!;
        Assert.Equal(LeadTree.LeafSizeFor(length), lead.LeafSize);
        Assert.InRange(lead.Count, 2, LeadTree.MaxLeaves);
        Assert.True(lead.MergesTo(Blake3.Hasher.Hash(data).AsSpan()));
        for (var k = 0; k < lead.Count; k++)
            Assert.True(lead.IsLeaf(k, data.AsSpan((int)(k * lead.LeafSize), (int)lead.LengthOf(k))));

        var changed = (byte[])data.Clone();
        var at = (int)(lead.LeafSize + 3);
        changed[at] ^= 0x80;
        Assert.False(lead.IsLeaf(1, changed.AsSpan((int)lead.LeafSize, (int)lead.LengthOf(1))));
        Assert.True(lead.IsLeaf(0, changed.AsSpan(0, (int)lead.LeafSize)));
        Assert.False(lead.MergesTo(Blake3.Hasher.Hash(changed).AsSpan()));
        Assert.False(lead.IsLeaf(1, data.AsSpan(0, (int)lead.LengthOf(1)))); // a leaf's bytes elsewhere are not it
    }

    [Fact]
    public void Leaf_sizes_are_one_mib_for_a_16_mib_part_and_bounded_in_count()
    {
        Assert.Equal(1024 * 1024, LeadTree.LeafSizeFor(16L * 1024 * 1024));
        Assert.Equal(16 * 1024, LeadTree.LeafSizeFor(64 * 1024));
        Assert.Equal(8L * 1024 * 1024, LeadTree.LeafSizeFor(512L * 1024 * 1024)); // 64 leaves
        Assert.Null(LeadTree.LeafSizeFor(1024)); // one chunk: nothing to cut
        Assert.Throws<ArgumentOutOfRangeException>(() => Blake3Subtrees.RootOf([new byte[32]], 1024, 1024));
        Assert.Throws<ArgumentOutOfRangeException>(() => Blake3Subtrees.RootOf([new byte[32], new byte[32]], 1536, 3072));
    }

    private static byte[][] Leaves(byte[] data, int leafSize) =>
        [.. Enumerable.Range(0, (data.Length + leafSize - 1) / leafSize)
            .Select(k => Blake3Subtrees.SubtreeCv(data.AsSpan(k * leafSize, Math.Min(leafSize, data.Length - k * leafSize)), k * leafSize / 1024))];
}
