using TierFs.Fuse;

namespace TierFs.Tests.Fuse;

public class NativeAbiTests
{
    [Fact]
    public void Every_managed_mirror_has_the_compilers_size()
    {
        foreach (var (name, id, size) in NativeAbi.Structs)
            Assert.True((ulong)size == NativeMethods.AbiSize(id), $"{name}: C# {size}, C {NativeMethods.AbiSize(id)}");
        NativeAbi.Verify();
    }

    [Fact]
    public void Unknown_struct_id_has_size_zero() => Assert.Equal(0UL, NativeMethods.AbiSize(999));
}
