using System.Security.Cryptography;
using TierFs.Remote;
using TierFs.Tests.Fakes;

namespace TierFs.Tests.Remote;

/// <summary>
/// The part fetch of a streaming recall, on the in-memory remote with parts held at will: a part a
/// reader waits for starts at once (it does not queue behind a slow one), the other workers join
/// once the first part has landed, and a failure of the urgent part fails the fetch.
/// </summary>
public sealed class PartFetchTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("tierfs-partfetch-").FullName;
    private readonly FakeRemoteStore _remote = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(30));

    public void Dispose()
    {
        _timeout.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task A_part_a_reader_needs_starts_at_once_beside_the_first_part_held_alone()
    {
        var (reader, data) = await Object(6);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var partZeroStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new List<long>();
        _remote.RangeStarted = (_, offset) =>
        {
            lock (started) started.Add(offset / _remote.PartSize);
            if (offset != 0) return Task.CompletedTask;
            partZeroStarted.TrySetResult();
            return held.Task;
        };
        var target = Path.Combine(_root, "fetched");
        using (var handle = File.OpenHandle(target, FileMode.CreateNew, FileAccess.ReadWrite))
        {
            var fetch = new PartFetch(reader, handle, concurrency: 4);
            var run = fetch.RunAsync(_timeout.Token);
            await partZeroStarted.Task.WaitAsync(_timeout.Token);
            // A reader at the end: its part lands while the first is still held.
            Assert.True(fetch.Prioritize(5 * _remote.PartSize + 7));
            await fetch.WhenVerified(5).WaitAsync(_timeout.Token);
            Assert.False(fetch.IsVerified(0));
            held.SetResult();
            await run;
            Assert.All(Enumerable.Range(0, 6), i => Assert.True(fetch.IsVerified(i)));
        }
        // The first part went alone (the other workers join once a part has landed), the reader's next.
        lock (started) Assert.Equal([0L, 5L], started.Take(2));
        Assert.Equal(data, File.ReadAllBytes(target));
    }

    [Fact]
    public async Task With_one_worker_a_part_a_reader_needs_does_not_wait_behind_a_slow_part()
    {
        var (reader, _) = await Object(3);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var partZeroStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _remote.RangeStarted = (_, offset) =>
        {
            if (offset != 0) return Task.CompletedTask;
            partZeroStarted.TrySetResult();
            return held.Task;
        };
        using var handle = File.OpenHandle(Path.Combine(_root, "fetched"), FileMode.CreateNew, FileAccess.ReadWrite);
        var fetch = new PartFetch(reader, handle, concurrency: 1);
        var run = fetch.RunAsync(_timeout.Token);
        await partZeroStarted.Task.WaitAsync(_timeout.Token);
        Assert.True(fetch.Prioritize(2 * _remote.PartSize));
        await fetch.WhenVerified(2).WaitAsync(_timeout.Token);
        Assert.False(fetch.IsVerified(0) || fetch.IsVerified(1));
        held.SetResult();
        await run;
    }

    [Fact]
    public async Task A_corrupt_urgent_part_fails_the_fetch_and_every_part_not_verified()
    {
        var (reader, _) = await Object(4);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _remote.RangeStarted = (_, offset) => offset == 0 ? held.Task : Task.CompletedTask;
        _remote.CorruptStored(reader.Key, 3 * _remote.PartSize + 1);
        using var handle = File.OpenHandle(Path.Combine(_root, "partial"), FileMode.CreateNew, FileAccess.ReadWrite);
        var fetch = new PartFetch(reader, handle, concurrency: 2);
        var run = fetch.RunAsync(_timeout.Token);
        Assert.True(fetch.Prioritize(3 * _remote.PartSize));
        var e = await Assert.ThrowsAsync<RemoteDataException>(() => run);
        Assert.Contains("part 4/4", e.Message);
        for (var i = 0; i < 4; i++) await Assert.ThrowsAsync<RemoteDataException>(() => fetch.WhenVerified(i));
    }

    private async Task<(VerifiedReader Reader, byte[] Data)> Object(int parts)
    {
        var data = RandomNumberGenerator.GetBytes(parts * (int)_remote.PartSize - 100);
        var path = Path.Combine(_root, "source");
        File.WriteAllBytes(path, data);
        UploadResult up;
        using (var handle = File.OpenHandle(path)) up = await _remote.UploadAsync("data/ab/abc/1.x", handle, data.Length, new Dictionary<string, string>(), null, _timeout.Token);
        var reader = await VerifiedReader.OpenAsync(_remote, "data/ab/abc/1.x", new ObjectDigest(up.Length, up.PartSize, up.Blake3, up.Crc32C), _timeout.Token);
        return (reader!, data);
    }
}
