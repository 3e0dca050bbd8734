using TierFs.West;

namespace TierFs.Tests.West;

/// <summary>The west mount's part cache: bounded in bytes, least recently used out first, one fetch per part, a failed fetch never kept.</summary>
public class PartCacheTests : IDisposable
{
    private readonly string _dir = Path.Combine(Directory.CreateTempSubdirectory("tierfs-west-cache-").FullName, "cache");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_dir)!, recursive: true);

    private int _fetches;

    /// <summary>A part whose fetch brings <paramref name="produce"/>'s bytes, into memory or a file as the cache asks, then fails with <paramref name="thenFail"/> if given.</summary>
    private static PartSource Src(int length, Func<Task<byte[]>> produce, Exception? thenFail = null) => new(
        length,
        async (into, ct) =>
        {
            (await produce()).CopyTo(into);
            if (thenFail is not null) throw thenFail;
        },
        async (h, ct) =>
        {
            RandomAccess.Write(h, await produce(), 0);
            if (thenFail is not null) throw thenFail;
        });

    private PartSource Part(byte fill, int length) => Src(length, async () =>
    {
        Interlocked.Increment(ref _fetches);
        await Task.Yield();
        return Enumerable.Repeat(fill, length).ToArray();
    });

    private static byte[] ReadAll(CachedPart part)
    {
        var data = new byte[part.Length];
        part.Read(data, 0);
        return data;
    }

    private long FilesBytes() => Directory.EnumerateFiles(_dir).Sum(f => new FileInfo(f).Length);

    [Fact]
    public async Task It_holds_at_most_its_capacity_and_drops_the_least_recently_used_part_first()
    {
        using var cache = new PartCache(_dir, 300);
        foreach (var (key, fill) in new[] { ("a", (byte)1), ("b", (byte)2), ("c", (byte)3) })
            using (await cache.OpenAsync(key, Part(fill, 100), CancellationToken.None)) { }
        Assert.Equal(300, cache.Bytes);
        // "a" used again: "b" is now the least recently used.
        using (var a = await cache.OpenAsync("a", Part(9, 100), CancellationToken.None)) Assert.All(ReadAll(a), b => Assert.Equal(1, b));
        using (await cache.OpenAsync("d", Part(4, 100), CancellationToken.None)) { }
        Assert.True(cache.Contains("a") && cache.Contains("c") && cache.Contains("d"));
        Assert.False(cache.Contains("b"));
        Assert.Equal(300, cache.Bytes);
        Assert.Equal(300, FilesBytes()); // what is on disk is what it counts
        Assert.Equal(4, _fetches);
        for (var i = 0; i < 50; i++)
        {
            using (await cache.OpenAsync($"k{i}", Part((byte)i, 70 + i), CancellationToken.None)) { }
            Assert.True(cache.Bytes <= 300 && FilesBytes() <= 300, $"{cache.Bytes} bytes held after {i}");
        }
    }

    [Fact]
    public async Task A_part_is_fetched_once_for_readers_at_once_and_a_handle_outlives_its_eviction()
    {
        using var cache = new PartCache(_dir, 100);
        var gate = new TaskCompletionSource();
        var slow = Src(3, async () =>
        {
            Interlocked.Increment(ref _fetches);
            await gate.Task;
            return [7, 7, 7];
        });
        var readers = Enumerable.Range(0, 8).Select(_ => cache.OpenAsync("p", slow, CancellationToken.None)).ToArray();
        cache.Prefetch("p", slow);
        gate.SetResult();
        var handles = await Task.WhenAll(readers);
        Assert.Equal(1, _fetches);
        using (await cache.OpenAsync("big", Part(1, 100), CancellationToken.None)) { } // evicts "p"
        Assert.False(cache.Contains("p"));
        foreach (var h in handles)
        {
            Assert.Equal([7, 7, 7], ReadAll(h));
            h.Dispose();
        }
    }

    [Fact]
    public async Task A_reader_that_gives_up_waiting_leaves_no_pin_behind()
    {
        using var cache = new PartCache(_dir, 100);
        var gate = new TaskCompletionSource();
        var slow = Src(100, async () =>
        {
            await gate.Task;
            return new byte[100];
        });
        using var cts = new CancellationTokenSource();
        var waiting = cache.OpenAsync("p", slow, cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        gate.SetResult(); // the fetch goes on (read-ahead's way) and brings the part in
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!cache.Contains("p") && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.True(cache.Contains("p"));
        using (await cache.OpenAsync("q", Part(1, 100), CancellationToken.None)) { }
        // Nobody waits for "p" any more: it goes like any least recently used part.
        Assert.False(cache.Contains("p"));
        Assert.Equal(100, cache.Bytes);
    }

    [Fact]
    public async Task A_failed_fetch_is_the_readers_failure_and_leaves_nothing_behind()
    {
        using var cache = new PartCache(_dir, 1000);
        // Written, then found wrong.
        var bad = Src(3, async () =>
        {
            await Task.Yield();
            return [1, 2, 3];
        }, new TierFs.Remote.RemoteDataException("checksum mismatch"));
        await Assert.ThrowsAsync<TierFs.Remote.RemoteDataException>(() => cache.OpenAsync("x", bad, CancellationToken.None));
        Assert.False(cache.Contains("x"));
        Assert.Equal(0, cache.Bytes);
        Assert.Empty(Directory.EnumerateFiles(_dir));
        using var good = await cache.OpenAsync("x", Part(5, 10), CancellationToken.None);
        Assert.All(ReadAll(good), b => Assert.Equal(5, b));
    }

    private static bool Within(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) return false;
            Thread.Sleep(10);
        }
        return true;
    }

    [Fact]
    public async Task A_part_read_whole_from_memory_leaves_memory_without_being_written_to_disk()
    {
        using var cache = new PartCache(_dir, 1000, memoryCapacity: 200);
        foreach (var (key, fill) in new[] { ("a", (byte)1), ("b", (byte)2), ("c", (byte)3) })
            using (var part = await cache.OpenAsync(key, Part(fill, 100), CancellationToken.None))
            {
                Assert.True(part.InMemory);
                Assert.All(ReadAll(part), b => Assert.Equal(fill, b));
            }
        // "a" was read whole: it left memory for "c" and was never written (the kernel's page cache has it).
        Assert.False(cache.Contains("a"));
        Assert.True(cache.InMemory("b") && cache.InMemory("c"));
        Assert.Equal(200, cache.MemoryBytes);
        Assert.Equal(0, cache.Bytes);
        Assert.Empty(Directory.EnumerateFiles(_dir));
    }

    [Fact]
    public async Task A_part_not_read_whole_goes_to_disk_when_it_leaves_memory_and_is_read_from_there()
    {
        using var cache = new PartCache(_dir, 1000, memoryCapacity: 200);
        using (var a = await cache.OpenAsync("a", Part(1, 100), CancellationToken.None))
        {
            var some = new byte[10];
            a.Read(some, 50);
            Assert.All(some, b => Assert.Equal(1, b));
        }
        using (await cache.OpenAsync("b", Part(2, 100), CancellationToken.None)) { }
        using (await cache.OpenAsync("c", Part(3, 100), CancellationToken.None)) { }
        Assert.True(Within(() => cache.Contains("a") && !cache.InMemory("a") && cache.Bytes == 100), $"'a' not on disk: {cache.Bytes} bytes there");
        Assert.Equal(100, Directory.EnumerateFiles(_dir).Sum(f => new FileInfo(f).Length));
        Assert.Equal(200, cache.MemoryBytes);
        using (var a = await cache.OpenAsync("a", Part(9, 100), CancellationToken.None))
        {
            Assert.False(a.InMemory);
            Assert.All(ReadAll(a), b => Assert.Equal(1, b));
        }
        Assert.Equal(3, _fetches); // not fetched again
    }

    [Fact]
    public async Task A_hold_on_a_part_in_memory_reads_its_own_bytes_after_the_part_left_and_its_buffer_could_be_reused()
    {
        using var cache = new PartCache(_dir, 1 << 20, memoryCapacity: 1 << 16);
        using var held = await cache.OpenAsync("p0", Part(0x5a, 1 << 15), CancellationToken.None);
        Assert.True(held.InMemory);
        ReadAll(held); // read whole: it may leave memory without a copy on disk
        // Parts of the same size come and go, through buffers of the same pool.
        for (var i = 1; i <= 64; i++)
            using (var p = await cache.OpenAsync($"p{i}", Part((byte)i, 1 << 15), CancellationToken.None))
                ReadAll(p);
        Assert.False(cache.Contains("p0"));
        Assert.True(cache.MemoryBytes <= 1 << 16, $"{cache.MemoryBytes} bytes in memory");
        Assert.All(ReadAll(held), b => Assert.Equal(0x5a, b));
    }

    [Fact]
    public async Task Memory_and_disk_stay_within_their_capacities_and_every_part_reads_right()
    {
        using var cache = new PartCache(_dir, 500, memoryCapacity: 300);
        var random = new Random(5);
        for (var i = 0; i < 200; i++)
        {
            var k = random.Next(20);
            using (var p = await cache.OpenAsync($"k{k}", Part((byte)k, 100), CancellationToken.None))
            {
                var whole = random.Next(2) == 0;
                var got = whole ? ReadAll(p) : new byte[7];
                if (!whole) p.Read(got, random.Next(93));
                Assert.All(got, b => Assert.Equal((byte)k, b));
            }
            // A part on its way to disk still counts in memory until it is there.
            Assert.True(Within(() => cache.MemoryBytes <= 300), $"{cache.MemoryBytes} bytes in memory after {i}");
            Assert.True(Within(() => cache.Bytes <= 500 && Directory.EnumerateFiles(_dir).Sum(f => new FileInfo(f).Length) <= 500 + 100), $"{cache.Bytes} bytes on disk after {i}");
        }
    }

    [Fact]
    public async Task A_failed_fetch_into_memory_leaves_nothing_behind()
    {
        using var cache = new PartCache(_dir, 1000, memoryCapacity: 1000);
        var bad = Src(3, () => Task.FromResult(new byte[] { 1, 2, 3 }), new TierFs.Remote.RemoteDataException("checksum mismatch"));
        await Assert.ThrowsAsync<TierFs.Remote.RemoteDataException>(() => cache.OpenAsync("x", bad, CancellationToken.None));
        Assert.False(cache.Contains("x"));
        Assert.Equal(0, cache.MemoryBytes);
        using var good = await cache.OpenAsync("x", Part(5, 3), CancellationToken.None);
        Assert.All(ReadAll(good), b => Assert.Equal(5, b));
    }

    [Fact]
    public void A_new_cache_starts_empty_whatever_the_directory_held()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(Path.Combine(_dir, "stale"), "from an earlier mount");
        using var cache = new PartCache(_dir, 100);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_dir));
    }
}
