using Microsoft.Win32.SafeHandles;

namespace TierFs.West;

/// <summary>
/// How one part is fetched into the <see cref="PartCache"/>: into memory or into a new file, as the
/// cache chooses. Either way the fetch must throw unless every byte it wrote is verified.
/// </summary>
/// <param name="Length">The part's length: what <paramref name="IntoMemory"/> is given room for.</param>
public sealed record PartSource(
    long Length,
    Func<Memory<byte>, CancellationToken, Task> IntoMemory,
    Func<SafeFileHandle, CancellationToken, Task> IntoFile);
