using TierFs.Remote;

namespace TierFs.Tests.Remote;

public class PartPlanTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public void The_preferred_size_is_kept_while_it_fits_in_10000_parts()
    {
        Assert.Equal(16 * MiB, PartPlan.ChoosePartSize(0, 16 * MiB));
        Assert.Equal(16 * MiB, PartPlan.ChoosePartSize(1, 16 * MiB));
        Assert.Equal(16 * MiB, PartPlan.ChoosePartSize(10_000 * 16 * MiB, 16 * MiB));
    }

    [Fact]
    public void Larger_files_get_the_smallest_whole_MiB_that_fits()
    {
        Assert.Equal(17 * MiB, PartPlan.ChoosePartSize(10_000 * 16 * MiB + 1, 16 * MiB));
        var tib = 1024L * 1024 * MiB;
        var size = PartPlan.ChoosePartSize(tib, 16 * MiB);
        Assert.Equal(105 * MiB, size);
        Assert.True(new PartPlan(tib, size).Count <= PartPlan.MaxParts);
        Assert.Throws<ArgumentOutOfRangeException>(() => new PartPlan(tib, size - MiB)); // one MiB less does not fit
    }

    [Fact]
    public void The_cut_covers_the_file_with_a_short_last_part()
    {
        var plan = new PartPlan(40 * MiB + 5, 8 * MiB);
        Assert.Equal(6, plan.Count);
        Assert.Equal(40 * MiB, plan.OffsetOf(5));
        Assert.Equal(5, plan.LengthOf(5));
        Assert.Equal(plan.Length, Enumerable.Range(0, plan.Count).Sum(plan.LengthOf));
    }

    [Fact]
    public void An_empty_object_is_one_empty_part()
    {
        var plan = new PartPlan(0, 8 * MiB);
        Assert.Equal(1, plan.Count);
        Assert.Equal(0, plan.LengthOf(0));
    }

    [Fact]
    public void Exact_multiples_have_no_empty_tail()
    {
        Assert.Equal(5, new PartPlan(40 * MiB, 8 * MiB).Count);
    }

    [Fact]
    public void More_than_10000_parts_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PartPlan(10_001, 1));
    }
}
