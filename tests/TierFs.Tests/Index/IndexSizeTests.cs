using TierFs.Index;
using Xunit.Abstractions;

namespace TierFs.Tests.Index;

/// <summary>The index must stay small per file (issue 4 targets ≤ 300 bytes per file for the whole index).</summary>
public class IndexSizeTests(ITestOutputHelper output) : IDisposable
{
    private readonly IndexTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_tier_row_costs_a_few_hundred_bytes_on_disk(bool randomOrder)
    {
        const int rows = 100_000;
        var inos = Enumerable.Range(1, rows).Select(i => (ulong)i * 7 + 1_000_000).ToArray();
        if (randomOrder) new Random(1).Shuffle(inos);
        using (var index = _files.Open())
        {
            foreach (var ino in inos) index.Upsert(SampleRows.Stub(ino));
        }
        // Closed: checkpointed, the WAL gone; the file is all there is.
        var perRow = new FileInfo(_files.DbPath).Length / (double)rows;
        output.WriteLine($"{rows} tier rows inserted in {(randomOrder ? "random" : "inode")} order: {new FileInfo(_files.DbPath).Length} bytes, {perRow:F0} bytes per row");
        // A full copy of the record: since the trust work it carries its BLAKE3 digest (66 B), the
        // remote tier it is on and its upload's ETag (~60 B): 460 B measured.
        Assert.InRange(perRow, 50, 520);
    }
}
