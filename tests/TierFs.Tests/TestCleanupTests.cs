using TierFs.IntegrationTests.Harness;

namespace TierFs.Tests;

public class TestCleanupTests
{
    /// <summary>A class xunit never disposes leaves its indexes open and its temp directories behind (see <see cref="XunitCleanup"/>).</summary>
    [Fact]
    public void Every_test_class_and_fixture_is_one_xunit_cleans_up() =>
        Assert.Empty(XunitCleanup.NeverDisposed(typeof(TestCleanupTests).Assembly));
}
