using System.Diagnostics;
using Xunit.Abstractions;

namespace TierFs.Tests.Scan;

/// <summary>A rough rate, printed, not asserted: the benchmarks live in integration/bench.</summary>
public class ScanRateTests(ITestOutputHelper output) : IDisposable
{
    private readonly ScanTestTree _tree = new(holdStill: true);

    public void Dispose() => _tree.Dispose();

    [Fact]
    public void Scan_20k_files_in_200_directories_with_2_threads()
    {
        const int dirs = 200, perDir = 100;
        var make = Stopwatch.StartNew();
        for (var d = 0; d < dirs; d++)
        {
            var dir = Directory.CreateDirectory(_tree[$"d{d / 20:D2}/dir{d:D3}"]).FullName;
            for (var f = 0; f < perDir; f++) File.WriteAllBytes(Path.Combine(dir, $"file{f:D3}.dat"), []);
        }
        output.WriteLine($"tree made in {make.Elapsed.TotalSeconds:F1} s");

        using var index = _tree.OpenIndex();
        var first = _tree.Scan(index, threads: 2);
        var again = _tree.Scan(index, threads: 2);
        output.WriteLine($"first scan: {first}; {first.Counts.Entries / first.Seconds:F0} entries/s");
        output.WriteLine($"rescan:     {again}; {again.Counts.Entries / again.Seconds:F0} entries/s");
        Assert.Equal(dirs * perDir + dirs + dirs / 20 + 1, first.Counts.Entries);
        Assert.Equal(0, again.Counts.Writes);
    }
}
