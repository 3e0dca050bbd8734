using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using TierFs.Remote;
using TierFs.Tests.Fakes;

namespace TierFs.Tests.Remote;

/// <summary>
/// The part fetch of a streaming recall, on the in-memory remote with parts held at will: a part a
/// reader waits for starts at once (it does not queue behind a slow one), the other workers join
/// once the first part's first leaf has landed, and a failure of the urgent part fails the fetch.
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

    /// <summary>
    /// Fetches the object into a new file while <paramref name="beside"/> runs (given the fetch and
    /// the file), waits for the fetch to end, and checks that the file holds <paramref name="data"/>.
    /// </summary>
    private async Task<PartFetch> FetchIntoFile(VerifiedReader reader, byte[] data, int concurrency, Func<PartFetch, SafeFileHandle, Task> beside)
    {
        var target = Path.Combine(_root, "fetched");
        PartFetch fetch;
        using (var handle = File.OpenHandle(target, FileMode.CreateNew, FileAccess.ReadWrite))
        {
            fetch = new PartFetch(reader, handle, concurrency);
            var run = fetch.RunAsync(_timeout.Token);
            await beside(fetch, handle);
            await run;
        }
        Assert.Equal(data, File.ReadAllBytes(target));
        return fetch;
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
        var done = await FetchIntoFile(reader, data, concurrency: 4, async (fetch, _) =>
        {
            await partZeroStarted.Task.WaitAsync(_timeout.Token);
            // A reader at the end: its part lands while the first is still held.
            Assert.True(fetch.Prioritize(5 * _remote.PartSize + 7));
            await fetch.WhenVerified(5).WaitAsync(_timeout.Token);
            Assert.False(fetch.IsVerified(0));
            held.SetResult();
        });
        Assert.All(Enumerable.Range(0, 6), i => Assert.True(done.IsVerified(i)));
        // The first part went alone (the other workers join once a part has landed), the reader's next.
        lock (started) Assert.Equal([0L, 5L], started.Take(2));
    }

    [Fact]
    public async Task The_other_workers_join_once_the_first_parts_first_leaf_has_landed()
    {
        // Waiting for the whole first part left the other connections idle while its 16 MiB came on
        // one and were hashed leaf by leaf. Its first leaf is what a reader that opened the file
        // reads first; the rest of it shares the bandwidth.
        var (reader, data) = await Object(4);
        var (held, holding) = HoldFirstPartAfter(reader.Lead!.LeafSize);
        var othersStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _remote.RangeStarted = (_, offset) =>
        {
            if (offset != 0) othersStarted.TrySetResult();
            return Task.CompletedTask;
        };
        await FetchIntoFile(reader, data, concurrency: 4, async (fetch, _) =>
        {
            await holding.Task.WaitAsync(_timeout.Token);
            await othersStarted.Task.WaitAsync(_timeout.Token); // the first part is still held after its first leaf
            Assert.False(fetch.IsVerified(0));
            foreach (var i in new[] { 1, 2, 3 }) await fetch.WhenVerified(i).WaitAsync(_timeout.Token);
            held.SetResult();
        });
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

    [Fact]
    public async Task The_first_parts_leaves_are_served_as_they_land_before_the_part_has()
    {
        var (reader, data) = await Object(3);
        var leaf = reader.Lead!.LeafSize;
        Assert.Equal(_remote.PartSize / 4, leaf);
        var (held, holding) = HoldFirstPartAfter(leaf);
        await FetchIntoFile(reader, data, concurrency: 1, async (fetch, handle) =>
        {
            await fetch.WhenVerified(0, 4096).WaitAsync(_timeout.Token);
            await fetch.WhenVerified(0, leaf).WaitAsync(_timeout.Token);
            await holding.Task.WaitAsync(_timeout.Token);
            Assert.False(fetch.IsVerified(0));
            var next = fetch.WhenVerified(0, leaf + 1);
            Assert.False(next.IsCompleted); // the second leaf has not come
            var first = new byte[leaf];
            Assert.Equal((int)leaf, RandomAccess.Read(handle, first, 0));
            Assert.Equal(data.AsSpan(0, (int)leaf).ToArray(), first);
            Assert.False(fetch.WhenVerified(1, 1).IsCompleted); // only the first part is cut in leaves
            held.SetResult();
            await next.WaitAsync(_timeout.Token);
        });
    }

    [Fact]
    public async Task A_corrupt_leaf_fails_the_first_part_and_no_later_byte_of_it_is_served()
    {
        var (reader, _) = await Object(3);
        var leaf = reader.Lead!.LeafSize;
        _remote.CorruptStored(reader.Key, 2 * leaf + 5);
        using var handle = File.OpenHandle(Path.Combine(_root, "partial"), FileMode.CreateNew, FileAccess.ReadWrite);
        var fetch = new PartFetch(reader, handle, concurrency: 1);
        var third = fetch.WhenVerified(0, 2 * leaf + 1);
        var e = await Assert.ThrowsAsync<RemoteDataException>(() => fetch.RunAsync(_timeout.Token));
        Assert.Contains($"bytes {2 * leaf}..{3 * leaf} are not the leaf archived", e.Message);
        await Assert.ThrowsAsync<RemoteDataException>(() => third);
        await Assert.ThrowsAsync<RemoteDataException>(() => fetch.WhenVerified(0, 1)); // the part failed: nothing of it is served any more
    }

    [Fact]
    public async Task An_object_archived_with_a_manifest_of_format_1_is_served_whole_part_by_whole_part()
    {
        var (reader, data) = await Object(3);
        var plan = reader.Plan;
        var parts = Enumerable.Range(0, plan.Count).Select(i => TierFs.Remote.Transfer.PartDigest.Of(data.AsSpan((int)plan.OffsetOf(i), (int)plan.LengthOf(i)))).ToList();
        var v1 = PartManifest.FromDigests(plan, parts).ToBytes();
        Assert.Equal("TFPARTS1"u8.ToArray(), v1[..8]);
        _remote.Replace(PartManifest.KeyFor(reader.Key), v1);
        var old = await VerifiedReader.OpenAsync(_remote, reader.Key, reader.Expected, _timeout.Token);
        Assert.Null(old!.Lead);

        var (held, holding) = HoldFirstPartAfter(reader.Lead!.LeafSize);
        using var handle = File.OpenHandle(Path.Combine(_root, "fetched"), FileMode.CreateNew, FileAccess.ReadWrite);
        var fetch = new PartFetch(old, handle, concurrency: 1);
        var run = fetch.RunAsync(_timeout.Token);
        await holding.Task.WaitAsync(_timeout.Token);
        var head = fetch.WhenVerified(0, 4096);
        Assert.False(head.IsCompleted); // no leaf to trust: the whole part is waited for
        held.SetResult();
        await head.WaitAsync(_timeout.Token);
        await run;
    }

    [Fact]
    public async Task A_forged_leaf_with_its_cv_forged_too_is_refused_with_the_manifest()
    {
        // The attacker writes the remote tier: new bytes in the first leaf and their CV in the manifest.
        var (reader, data) = await Object(3);
        var leaf = (int)reader.Lead!.LeafSize;
        var forged = (byte[])data.Clone();
        forged[7] ^= 1;
        _remote.Replace(reader.Key, forged);
        var manifestKey = PartManifest.KeyFor(reader.Key);
        var manifest = (byte[])_remote.Data(manifestKey).Clone();
        var cv = Blake3Subtrees.SubtreeCv(forged.AsSpan(0, leaf), 0);
        var cvAt = 28 + 3 * 36 + 12;
        Assert.Equal(Blake3Subtrees.SubtreeCv(data.AsSpan(0, leaf), 0), manifest[cvAt..(cvAt + 32)]);
        cv.CopyTo(manifest, cvAt);
        _remote.Replace(manifestKey, manifest);
        var e = await Assert.ThrowsAsync<RemoteDataException>(() => VerifiedReader.OpenAsync(_remote, reader.Key, reader.Expected, _timeout.Token));
        Assert.Contains("lead tree does not merge", e.Message);
    }

    [Fact]
    public async Task Stress_readers_of_the_first_part_get_its_archived_bytes_or_a_failure_never_other_bytes()
    {
        // Cycles with a corrupt leaf, a connection that breaks off, or neither, at random; readers
        // of random prefixes of the first part served as its leaves land. Every reader served must
        // read the archived bytes; none may be served a prefix reaching a corrupt leaf.
        var rng = new Random(20261203);
        _remote.ChunkSending = async (_, _) => await Task.Yield(); // each chunk a turn later: readers run between them
        for (var cycle = 0; cycle < 40; cycle++)
        {
            var (reader, data) = await Object(3);
            var leaf = reader.Lead!.LeafSize;
            var corrupt = rng.Next(3) == 0 ? -1L : rng.Next(4) * leaf + rng.Next((int)leaf);
            if (corrupt >= 0) _remote.CorruptStored(reader.Key, corrupt);
            _remote.FailAfterBytes = corrupt < 0 && rng.Next(2) == 0 ? rng.Next(1, (int)_remote.PartSize) : null;
            var ends = Enumerable.Range(0, 8).Select(_ => (long)rng.Next(1, (int)_remote.PartSize + 1)).ToArray();
            using var handle = File.OpenHandle(Path.Combine(_root, $"fetched-{cycle}"), FileMode.CreateNew, FileAccess.ReadWrite);
            var fetch = new PartFetch(reader, handle, concurrency: 2);
            var readers = ends.Select(end => Task.Run(async () =>
            {
                try { await fetch.WhenVerified(0, end); }
                catch (RemoteException) { return false; }
                var got = new byte[end];
                Assert.Equal((int)end, RandomAccess.Read(handle, got, 0));
                Assert.Equal(data.AsSpan(0, (int)end).ToArray(), got);
                return true;
            })).ToArray();
            var failed = false;
            try { await fetch.RunAsync(_timeout.Token); }
            catch (RemoteException) { failed = true; }
            var served = await Task.WhenAll(readers).WaitAsync(_timeout.Token);
            var broke = _remote.FailAfterBytes is not null;
            _remote.FailAfterBytes = null;

            Assert.Equal(corrupt >= 0 || broke, failed);
            for (var i = 0; i < ends.Length; i++)
            {
                if (!failed) Assert.True(served[i], $"cycle {cycle}: a reader of {ends[i]} bytes was failed by a fetch that succeeded");
                if (corrupt >= 0) Assert.False(served[i] && ends[i] > corrupt / leaf * leaf, $"cycle {cycle}: a reader of {ends[i]} bytes was served past the corrupt leaf at {corrupt}");
            }
        }
    }

    /// <summary>The first part's bytes from <paramref name="bytes"/> on wait for Held; Holding completes once they do.</summary>
    private (TaskCompletionSource Held, TaskCompletionSource Holding) HoldFirstPartAfter(long bytes)
    {
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _remote.ChunkSending = (_, at) =>
        {
            if (at < bytes || at >= _remote.PartSize) return Task.CompletedTask;
            holding.TrySetResult();
            return held.Task;
        };
        return (held, holding);
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
