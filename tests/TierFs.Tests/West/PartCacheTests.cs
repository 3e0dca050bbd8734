using Microsoft.Win32.SafeHandles;
using TierFs.West;

namespace TierFs.Tests.West;

/// <summary>The west mount's part cache: bounded in bytes, least recently used out first, one fetch per part, a failed fetch never kept.</summary>
public class PartCacheTests : IDisposable
{
    private readonly string _dir = Path.Combine(Directory.CreateTempSubdirectory("tierfs-west-cache-").FullName, "cache");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_dir)!, recursive: true);

    private int _fetches;

    private Func<SafeFileHandle, CancellationToken, Task<long>> Part(byte fill, int length) => async (h, ct) =>
    {
        Interlocked.Increment(ref _fetches);
        await Task.Yield();
        var data = Enumerable.Repeat(fill, length).ToArray();
        RandomAccess.Write(h, data, 0);
        return length;
    };

    private static byte[] ReadAll(SafeFileHandle h)
    {
        var data = new byte[RandomAccess.GetLength(h)];
        RandomAccess.Read(h, data, 0);
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
        Func<SafeFileHandle, CancellationToken, Task<long>> slow = async (h, ct) =>
        {
            Interlocked.Increment(ref _fetches);
            await gate.Task;
            RandomAccess.Write(h, new byte[] { 7, 7, 7 }, 0);
            return 3;
        };
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
        Func<SafeFileHandle, CancellationToken, Task<long>> slow = async (h, ct) =>
        {
            await gate.Task;
            RandomAccess.Write(h, new byte[100], 0);
            return 100;
        };
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
        Func<SafeFileHandle, CancellationToken, Task<long>> bad = async (h, ct) =>
        {
            await Task.Yield();
            RandomAccess.Write(h, new byte[] { 1, 2, 3 }, 0); // written, then found wrong
            throw new TierFs.Remote.RemoteDataException("checksum mismatch");
        };
        await Assert.ThrowsAsync<TierFs.Remote.RemoteDataException>(() => cache.OpenAsync("x", bad, CancellationToken.None));
        Assert.False(cache.Contains("x"));
        Assert.Equal(0, cache.Bytes);
        Assert.Empty(Directory.EnumerateFiles(_dir));
        using var good = await cache.OpenAsync("x", Part(5, 10), CancellationToken.None);
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
