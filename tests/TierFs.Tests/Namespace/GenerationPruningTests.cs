using TierFs.Namespace;

namespace TierFs.Tests.Namespace;

/// <summary>
/// meta_sync.keep_generations: the latest generations stay readable, older objects are retired by
/// the pointer and deleted only after the grace, and only once the pointer readers see retired them.
/// </summary>
public class GenerationPruningTests : IDisposable
{
    private readonly NamespaceTestTree _t = new();

    public void Dispose() => _t.Dispose();

    private async Task<NamespacePointer> SyncNew(int n, int maxDeltas, int keep, TimeSpan grace)
    {
        _t.Put(NamespaceTestTree.Row(100 + n, 1, $"new{n}"));
        _t.Index.Flush();
        await _t.Publisher(maxDeltas, keep: keep, grace: grace).PublishAsync(CancellationToken.None);
        return (await _t.Reader().ReadPointerAsync(CancellationToken.None))!;
    }

    private bool Stored(string key) => _t.Remote.HeadAsync(key, CancellationToken.None).Result is not null;

    [Fact]
    public async Task Generations_older_than_the_kept_ones_are_retired_then_deleted_after_the_grace_and_the_latest_stays_whole()
    {
        await _t.Publisher(maxDeltas: 2, keep: 3, grace: TimeSpan.Zero).PublishAsync(CancellationToken.None); // 1 snapshot
        var keys = new List<string> { (await _t.Reader().ReadPointerAsync(CancellationToken.None))!.Chain[0].Key };
        NamespacePointer p = null!;
        for (var i = 0; i < 7; i++)
        {
            p = await SyncNew(i, maxDeltas: 2, keep: 3, grace: TimeSpan.Zero); // 2 3 delta, 4 snapshot, 5 6 delta, 7 snapshot, 8 delta
            keys.Add(p.Chain[^1].Key);
        }
        Assert.Equal(8, p.Generation);
        // Keep 3 (6, 7, 8): 6 needs snapshot 4; 1-3 were retired at generation 6 (the first whose kept
        // generations all follow snapshot 4) and deleted at 7, the first publication after a pointer that retired them.
        Assert.Equal(4, p.Oldest);
        Assert.Equal([4L, 5, 6, 7, 8], p.Held!.Select(g => g.Generation));
        Assert.Equal([false, false, false], keys.Take(3).Select(Stored));
        Assert.All(keys.Skip(3), k => Assert.True(Stored(k), k));
        Assert.Empty(p.Retired!);

        var latest = (await _t.Reader().LoadAsync(null, CancellationToken.None))!;
        Assert.Equal((long)_t.Index.Query("SELECT count(*) FROM entries").Rows[0][0]!, latest.Count);
        Assert.NotNull(latest.Lookup("new6"));
        // A generation still held but before the latest snapshot comes from the held list, not the headers.
        var five = (await _t.Reader().LoadAsync(5, CancellationToken.None))!;
        Assert.NotNull(five.Lookup("new3"));
        Assert.Null(five.Lookup("new4"));
        var e = await Assert.ThrowsAsync<NamespaceNotFoundException>(() => _t.Reader().LoadAsync(2, CancellationToken.None));
        Assert.Contains("generation 2 of the pair 'heb' is no longer held: generations 4 to 8 are", e.Message);
    }

    [Fact]
    public async Task A_retired_object_stays_while_its_grace_lasts_and_nothing_the_visible_pointer_holds_is_deleted()
    {
        await _t.Publisher(maxDeltas: 0, keep: 1, grace: TimeSpan.FromHours(1)).PublishAsync(CancellationToken.None);
        var first = (await _t.Reader().ReadPointerAsync(CancellationToken.None))!.Chain[0];
        for (var i = 0; i < 3; i++) await SyncNew(i, maxDeltas: 0, keep: 1, grace: TimeSpan.FromHours(1)); // every one a snapshot
        var p = (await _t.Reader().ReadPointerAsync(CancellationToken.None))!;
        Assert.Equal([4L], p.Held!.Select(g => g.Generation));
        Assert.Equal([1L, 2, 3], p.Retired!.Select(r => r.Generation));
        Assert.True(Stored(first.Key)); // within the grace: a reader of an older pointer may be loading it

        // Grace 0: what the visible pointer retired goes at once; what this publication retires (generation 4) waits for the next.
        var q = await SyncNew(9, maxDeltas: 0, keep: 1, grace: TimeSpan.Zero);
        Assert.False(Stored(first.Key));
        Assert.Equal([4L], q.Retired!.Select(r => r.Generation));
        Assert.True(Stored(p.Held![0].Key));
    }

    [Fact]
    public async Task A_delete_that_fails_keeps_the_object_retired_for_the_next_sync()
    {
        await _t.Publisher(maxDeltas: 0, keep: 1, grace: TimeSpan.Zero).PublishAsync(CancellationToken.None);
        await SyncNew(0, maxDeltas: 0, keep: 1, grace: TimeSpan.Zero); // retires 1
        _t.Remote.Fail = (op, _) => op == Fakes.FakeOp.Delete ? new TierFs.Remote.RemoteException("denied") : null;
        var p = await SyncNew(1, maxDeltas: 0, keep: 1, grace: TimeSpan.Zero);
        Assert.Equal([2L, 1], p.Retired!.Select(r => r.Generation).OrderDescending());
        _t.Remote.Fail = (_, _) => null;
        p = await SyncNew(2, maxDeltas: 0, keep: 1, grace: TimeSpan.Zero);
        Assert.Equal([3L], p.Retired!.Select(r => r.Generation));
    }

    [Fact]
    public async Task A_forged_pointer_retiring_a_data_object_or_another_pairs_namespace_makes_the_publisher_delete_neither()
    {
        await _t.Publisher(keep: 1, grace: TimeSpan.Zero).PublishAsync(CancellationToken.None);
        var data = "data/ab/abababababababababababababababab/1.0123456789abcdef";
        var other = "ns/other/gen/000000000001.0123456789abcdef.snap";
        var own = (await _t.Reader().ReadPointerAsync(CancellationToken.None))!;
        foreach (var key in new[] { data, other }) await _t.Remote.PutRecordAsync(key, "x"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None);
        // Whoever can write the pointer names them as retired long ago.
        var forged = own with
        {
            Retired = [new RetiredRef(1, data, 0), new RetiredRef(1, other, 0), new RetiredRef(1, "ns/heb/gen/000000000001.x/../../../" + data, 0)],
        };
        await _t.Remote.PutRecordAsync(NamespaceLayout.PointerKey(NamespaceTestTree.Pair), forged.Encode(), new Dictionary<string, string>(), CancellationToken.None);

        var p = await SyncNew(0, maxDeltas: 64, keep: 1, grace: TimeSpan.Zero);
        Assert.True(Stored(data));
        Assert.True(Stored(other));
        Assert.DoesNotContain(p.Retired!, r => r.Key == data || r.Key == other);
        Assert.NotNull((await _t.Reader().LoadAsync(null, CancellationToken.None))!.Lookup("new0"));
    }

    [Theory]
    [InlineData("ns/heb/gen/000000000007.0123456789abcdef.snap", 7, true)]
    [InlineData("ns/heb/gen/000000000007.0123456789abcdef.delta", 7, true)]
    [InlineData("ns/heb/gen/000000000007.0123456789abcdef.snap", 8, false)]
    [InlineData("ns/heb/gen/000000000007.0123456789abcdef.snapx", 7, false)]
    [InlineData("ns/heb/gen/000000000007./x.snap", 7, false)]
    [InlineData("ns/heb/gen/000000000007..snap", 7, false)]
    [InlineData("ns/hebx/gen/000000000007.0123456789abcdef.snap", 7, false)]
    [InlineData("ns/heb/pointer", 7, false)]
    public void Only_a_generation_objects_own_key_is_one(string key, long generation, bool expected) =>
        Assert.Equal(expected, NamespaceLayout.IsGenerationKey("heb", key, generation));

    [Fact]
    public async Task Keep_0_keeps_every_generation_and_older_ones_are_reached_through_the_headers()
    {
        await _t.Publisher(maxDeltas: 0, keep: 0).PublishAsync(CancellationToken.None);
        for (var i = 0; i < 3; i++) await SyncNew(i, maxDeltas: 0, keep: 0, grace: TimeSpan.Zero);
        var p = (await _t.Reader().ReadPointerAsync(CancellationToken.None))!;
        Assert.Null(p.Held);
        Assert.Empty(p.Retired!);
        Assert.NotNull((await _t.Reader().LoadAsync(1, CancellationToken.None))!.Root);
    }
}
