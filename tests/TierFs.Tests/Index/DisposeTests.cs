using TierFs.Index;
using TierFs.Index.Policies;
using TierFs.Records;

namespace TierFs.Tests.Index;

/// <summary>
/// Closing the index: Dispose returns only once none of its connections can touch the file again,
/// and nothing of a closed index opens it again. Otherwise an unmount could report the mount
/// stopped while its index is still read or written, and a state directory removed after it could
/// get files back (the test suite's temp directories did).
/// </summary>
public sealed class DisposeTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    /// <summary>
    /// How long a Dispose that must wait is given to return wrongly (it ran in milliseconds before the
    /// fix, on a thread of its own). A slow machine can only make the test pass wrongly, never fail wrongly.
    /// </summary>
    private static readonly TimeSpan Returns = TimeSpan.FromSeconds(2);

    private readonly IndexTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    /// <summary>An index with the root and one resident file, which a policy's candidate query finds.</summary>
    private TierIndex OpenWithOneFile()
    {
        var index = _files.Open();
        index.PutEntry(new EntryRow { Id = 1, ParentId = 0, Name = "", Type = EntryRow.TypeDir, Key = new FileKey(1, 1) });
        index.PutEntry(new EntryRow { Id = 2, ParentId = 1, Name = "f", Type = EntryRow.TypeFile, Key = new FileKey(1, 2), Nlink = 1, Mode = 0x81a4, Size = 10 });
        index.Flush();
        return index;
    }

    /// <summary>Runs <paramref name="action"/> on a thread of its own: a blocked thread pool cannot delay it.</summary>
    private static Task OwnThread(Action action) => Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Whether <paramref name="task"/> ends within <paramref name="within"/> (its outcome is awaited by the caller).</summary>
    private static async Task<bool> EndsWithin(Task task, TimeSpan within) => await Task.WhenAny(task, Task.Delay(within)) == task;

    /// <summary>Starts a policy's candidate query that holds its reader until <paramref name="release"/> is set.</summary>
    private static Task HeldQuery(TierIndex index, ManualResetEventSlim release)
    {
        using var inQuery = new ManualResetEventSlim();
        var query = OwnThread(() => index.ReadCandidates(PolicyCondition.Compile("1"), new CandidateFilter { States = new Dictionary<string, int> { ["resident"] = 0 } }, _ =>
        {
            inQuery.Set();
            Assert.True(release.Wait(Bound), "the test never let the query go on");
            return true;
        }));
        Assert.True(inQuery.Wait(Bound), "the query did not start");
        return query;
    }

    [Fact]
    public async Task Dispose_waits_for_a_query_under_way_then_nothing_is_left_open()
    {
        var index = OpenWithOneFile();
        using var release = new ManualResetEventSlim();
        var query = HeldQuery(index, release);

        var disposing = OwnThread(index.Dispose);
        Assert.False(await EndsWithin(disposing, Returns), "Dispose returned while a query still read the file");
        release.Set();
        await disposing.WaitAsync(Bound);
        await query.WaitAsync(Bound);
        Assert.Empty(_files.OpenFiles());
    }

    [Fact]
    public async Task Dispose_waits_for_an_entry_lookup_and_a_sync_cut_still_held()
    {
        var index = OpenWithOneFile();
        var lookup = index.OpenEntryLookup();
        var cut = index.BeginSyncCut("heb");

        var disposing = OwnThread(index.Dispose);
        Assert.False(await EndsWithin(disposing, Returns), "Dispose returned while a lookup and a cut were open");
        Assert.Equal("f", lookup.Get(2)?.Name); // still working meanwhile
        lookup.Dispose();
        Assert.False(await EndsWithin(disposing, Returns), "Dispose returned while a cut was open");
        Assert.Equal(2, cut.CountEntries());
        cut.Dispose();
        await disposing.WaitAsync(Bound);
        Assert.Empty(_files.OpenFiles());
    }

    [Fact]
    public async Task A_second_Dispose_at_the_same_time_returns_only_when_the_file_is_closed()
    {
        var index = _files.Open(); // the default delay: the idle task runs once it is over
        using var release = new ManualResetEventSlim();
        using var holding = new ManualResetEventSlim();
        // Holds the writer's loop, as a long last commit would.
        index.WhenIdle(_ =>
        {
            holding.Set();
            release.Wait(Bound);
        });
        Assert.True(holding.Wait(Bound), "the idle task did not run");
        for (ulong i = 1; i <= 1000; i++) index.Upsert(SampleRows.Stub(i));

        var first = OwnThread(index.Dispose);
        var second = OwnThread(index.Dispose);
        Assert.False(await EndsWithin(Task.WhenAny(first, second), Returns), "a Dispose returned while the writer still had writes to commit");
        release.Set();
        await Task.WhenAll(first, second).WaitAsync(Bound);
        Assert.Empty(_files.OpenFiles());
        using var again = _files.Open();
        Assert.Equal(1000, again.LoadByState(StubRecord.StateReleased).Count);
    }

    [Fact]
    public void A_closed_index_opens_its_file_no_more()
    {
        var index = OpenWithOneFile();
        index.Dispose();
        // What a removed state directory would look like: the directory is there, its files are not.
        foreach (var f in Directory.GetFiles(Path.GetDirectoryName(_files.DbPath)!)) File.Delete(f);

        Assert.Throws<ObjectDisposedException>(() => index.Get(new FileKey(1, 2)));
        Assert.Throws<ObjectDisposedException>(() => index.OpenEntryLookup());
        Assert.Throws<ObjectDisposedException>(() => index.BeginSyncCut("heb"));
        Assert.Throws<ObjectDisposedException>(() => index.BeginEntryLoad());
        Assert.Throws<ObjectDisposedException>(() => index.Upsert(SampleRows.Stub(1)));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(_files.DbPath)!));
        Assert.Empty(_files.OpenFiles());
    }

    [Fact]
    public async Task Under_concurrent_readers_Dispose_leaves_nothing_open_and_a_removed_directory_stays_removed()
    {
        for (var round = 0; round < 20; round++)
        {
            using var files = new IndexTestFiles();
            var index = files.Open();
            var row = SampleRows.Stub(1);
            index.Upsert(row);
            index.Flush();
            var reads = 0L;
            var readers = Enumerable.Range(0, 4).Select(_ => Task.Factory.StartNew(() =>
            {
                try
                {
                    while (true)
                    {
                        Assert.Equal(row, index.Get(row.Key));
                        Interlocked.Increment(ref reads);
                    }
                }
                catch (ObjectDisposedException)
                {
                    // closed: the only way out
                }
            }, TaskCreationOptions.LongRunning)).ToArray();
            Assert.True(SpinWait.SpinUntil(() => Interlocked.Read(ref reads) >= 200, Bound), "the readers did not read");

            index.Dispose();
            Assert.Empty(files.OpenFiles());
            Directory.Delete(files.Dir, recursive: true);
            await Task.WhenAll(readers).WaitAsync(Bound); // each stopped, and by ObjectDisposedException
            Assert.False(Directory.Exists(files.Dir), $"round {round}: {files.Dir} came back");
        }
    }
}
