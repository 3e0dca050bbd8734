using System.Globalization;
using TierFs.Fuse;
using TierFs.IntegrationTests.Harness;

namespace TierFs.IntegrationTests;

/// <summary>
/// The size of the reads the kernel sends. The daemon answers a read from a file by splicing it
/// into /dev/fuse, which needs the whole reply in one pipe; libfuse wants room for the data, the
/// 16-byte header and three pages. A process without CAP_SYS_RESOURCE cannot grow a pipe past
/// fs.pipe-max-size (1 MiB by default), so a 1 MiB read would be copied twice instead: the mount
/// then asks the kernel for reads that fit (max_read).
/// </summary>
public class ReadSizeTests
{
    private const int CapSysResource = 24;
    private const int Page = 4096;
    private const int ReplyHeader = 16;

    [Fact]
    public void Reads_are_capped_to_what_one_pipe_can_splice_when_pipes_cannot_grow()
    {
        using var m = TestMount.Start();
        var options = MountTable.At(m.MountPoint)!.SuperOptions.Split(',');
        var maxRead = options.FirstOrDefault(o => o.StartsWith("max_read=", StringComparison.Ordinal));
        var pipeMax = long.Parse(File.ReadAllText("/proc/sys/fs/pipe-max-size").Trim(), CultureInfo.InvariantCulture);

        if (MayExceedPipeMax() || pipeMax >= (1 << 20) + 3 * Page + ReplyHeader)
        {
            // Pipes grow to any reply: the kernel's reads stay as large as it likes.
            Assert.True(maxRead is null, $"max_read set although a pipe holds a full reply: {string.Join(',', options)}");
            return;
        }
        Assert.True(maxRead is not null, $"no max_read on a mount whose pipes hold at most {pipeMax} bytes: {string.Join(',', options)}");
        var value = long.Parse(maxRead!["max_read=".Length..], CultureInfo.InvariantCulture);
        Assert.Equal(0, value % Page);
        Assert.True(value + 3 * Page + ReplyHeader <= pipeMax, $"max_read={value} does not fit a pipe of {pipeMax} bytes with libfuse's slack");
        Assert.True(value + Page + 3 * Page + ReplyHeader > pipeMax, $"max_read={value} is a page or more below what a pipe of {pipeMax} bytes splices");

        // A file below the passthrough size is read by the daemon: one read larger than the cap
        // comes back whole and right.
        var data = new byte[(1 << 20) - 1];
        new Random(7).NextBytes(data);
        File.WriteAllBytes(m.M("big"), data);
        Assert.True(data.Length > value, "the file is not larger than max_read");
        var fd = Px.Open(m.M("big"), Px.O_RDONLY);
        try
        {
            Assert.True(data.AsSpan().SequenceEqual(Px.Read(fd, data.Length)), "a read larger than max_read differs from what was written");
        }
        finally
        {
            Px.Close(fd);
        }
    }

    private static bool MayExceedPipeMax() => TierFs.Posix.ProcessName.HasCapability(Environment.ProcessId, CapSysResource);
}
