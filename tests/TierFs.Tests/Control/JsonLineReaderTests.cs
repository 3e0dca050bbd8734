using System.Text;
using TierFs.Tiering.Control;

namespace TierFs.Tests.Control;

public class JsonLineReaderTests
{
    // A stream that hands out its data a few bytes per read, as a socket may.
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
            base.ReadAsync(buffer[..Math.Min(chunk, buffer.Length)], ct);
    }

    [Fact]
    public async Task Reads_lines_split_across_reads_and_a_last_line_without_newline()
    {
        var text = "{\"a\":1}\n\n{\"b\":\"ünï\"}\nlast";
        var reader = new JsonLineReader(new TrickleStream(Encoding.UTF8.GetBytes(text), 3));
        Assert.Equal("{\"a\":1}", await reader.ReadLineAsync(default));
        Assert.Equal("", await reader.ReadLineAsync(default));
        Assert.Equal("{\"b\":\"ünï\"}", await reader.ReadLineAsync(default));
        Assert.Equal("last", await reader.ReadLineAsync(default));
        Assert.Null(await reader.ReadLineAsync(default));
    }

    [Fact]
    public async Task Refuses_a_line_longer_than_the_bound()
    {
        var reader = new JsonLineReader(new TrickleStream(Encoding.UTF8.GetBytes(new string('x', 5000) + "\n"), 1000), maxLineBytes: 4096);
        await Assert.ThrowsAsync<ControlException>(async () => await reader.ReadLineAsync(default));
    }

    [Fact]
    public async Task Long_lines_within_the_bound_come_whole()
    {
        var line = new string('y', 200_000);
        var reader = new JsonLineReader(new MemoryStream(Encoding.UTF8.GetBytes(line + "\nz\n")));
        Assert.Equal(line, await reader.ReadLineAsync(default));
        Assert.Equal("z", await reader.ReadLineAsync(default));
    }
}
