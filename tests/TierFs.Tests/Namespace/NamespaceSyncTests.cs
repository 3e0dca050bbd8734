using TierFs.Index;
using TierFs.Namespace;
using TierFs.Records;
using TierFs.Remote;
using TierFs.Tests.Fakes;

namespace TierFs.Tests.Namespace;

/// <summary>Publishing the namespace from the index (snapshot, deltas, the pointer last) and loading a generation back.</summary>
public class NamespaceSyncTests : IDisposable
{
    private readonly NamespaceTestTree _t = new();

    public void Dispose() => _t.Dispose();

    [Fact]
    public async Task A_first_sync_publishes_a_snapshot_the_reader_gives_back_entry_by_entry()
    {
        var r = await _t.Publisher().PublishAsync(CancellationToken.None);
        Assert.True(r.Snapshot);
        Assert.Equal(1, r.Generation);
        Assert.Equal(8, r.Puts);

        var tree = (await _t.Reader().LoadAsync(null, CancellationToken.None))!;
        Assert.Equal(1, tree.Generation);
        Assert.Equal(8, tree.Count);
        var a = tree.Lookup("proj/data/a.h5")!;
        var row = NamespaceTestTree.Row(4, 3, "a.h5", size: 5 << 20);
        Assert.Equal((row.Id, row.ParentId, row.Mode, row.Uid, row.Gid, row.Size, row.AtimeNs, row.MtimeNs), (a.Id, a.ParentId, a.Mode, a.Uid, a.Gid, a.Size, a.AtimeNs, a.MtimeNs));
        Assert.True(a.State == TierState.Released, $"{a.State} {a.Size} {a.MtimeNs} {a.Record}");
        Assert.Equal(NamespaceTestTree.Tier(4, 5 << 20, StubRecord.StateReleased).Record, a.Record);
        // A stub shows its record's ctime, as the mount does.
        Assert.Equal(1_700_000_000_300_000_000, a.CtimeNs);
        Assert.Equal("proj/data/a.h5", tree.Lookup("link")!.Target);
        Assert.Equal(TierState.Resident, tree.Lookup("top.txt")!.State);
        Assert.Null(tree.Lookup("top.txt")!.Record);
        Assert.Equal(tree.Lookup("proj/data/b.bin")!.Ino, tree.Lookup("top-link.bin")!.Ino);
        Assert.Equal(TierState.Archived, tree.Lookup("top-link.bin")!.State);
        Assert.Equal(["link", "proj", "top-link.bin", "top.txt"], tree.List(tree.RootId).Select(e => e.Name));
        Assert.Null(tree.Lookup("top.txt/x"));
        // The pair's attribute is set on the namespace at its first publication.
        var pair = await _t.Remote.HeadAsync(NamespaceLayout.PairKey(NamespaceTestTree.Pair), CancellationToken.None);
        Assert.Equal("LC_1111,/src,LC_222,/dst", pair!.Attributes[NamespacePublisher.ForwardAttribute]);
    }

    [Fact]
    public async Task A_directory_rename_and_an_unlink_are_a_delta_of_two_records()
    {
        await _t.Publisher().PublishAsync(CancellationToken.None);
        _t.Put(NamespaceTestTree.Row(2, 1, "project", EntryRow.TypeDir)); // mv proj project
        _t.Index.DeleteEntryTree(6); // rm top.txt
        _t.Index.Flush();

        var r = await _t.Publisher().PublishAsync(CancellationToken.None);
        Assert.False(r.Snapshot);
        Assert.Equal(2, r.Generation);
        Assert.Equal((1L, 1L), (r.Puts, r.Deletes));
        Assert.True(r.Bytes < 300, $"a delta of two records took {r.Bytes} bytes");

        var tree = (await _t.Reader().LoadAsync(null, CancellationToken.None))!;
        Assert.Equal(2, tree.Generation);
        Assert.NotNull(tree.Lookup("project/data/a.h5"));
        Assert.Null(tree.Lookup("proj/data/a.h5"));
        Assert.Null(tree.Lookup("top.txt"));
        Assert.Equal(7, tree.Count);
        // The generation before is still whole.
        var before = (await _t.Reader().LoadAsync(1, CancellationToken.None))!;
        Assert.NotNull(before.Lookup("proj/data/a.h5"));
        Assert.NotNull(before.Lookup("top.txt"));
    }

    [Fact]
    public async Task A_reader_holding_a_generation_reads_only_the_new_deltas_and_its_tree_stays_as_it_was()
    {
        await _t.Publisher().PublishAsync(CancellationToken.None);
        var reader = _t.Reader();
        var p1 = (await reader.ReadPointerAsync(CancellationToken.None))!;
        var one = await reader.LoadAsync(p1, null, CancellationToken.None);
        _t.Put(NamespaceTestTree.Row(2, 1, "project", EntryRow.TypeDir));
        _t.Index.Flush();
        await _t.Publisher().PublishAsync(CancellationToken.None);
        var p2 = (await reader.ReadPointerAsync(CancellationToken.None))!;
        // The snapshot is gone from the remote: only the delta can have been read.
        _ = _t.Remote.Remove(p1.Chain[0].Key);
        var two = await reader.LoadAfterAsync(one, p1.Chain, p2, CancellationToken.None);
        Assert.Equal(2, two.Generation);
        Assert.NotNull(two.Lookup("project/data/a.h5"));
        Assert.Null(two.Lookup("proj"));
        Assert.Equal(1, one.Generation);
        Assert.NotNull(one.Lookup("proj/data/a.h5"));
        Assert.Null(one.Lookup("project"));
        // A chain that does not extend the one held (a new snapshot) is loaded whole: here it cannot be.
        await Assert.ThrowsAsync<NamespaceFormatException>(() => reader.LoadAfterAsync(one, [p1.Chain[0] with { Key = "other" }], p2, CancellationToken.None));
    }

    [Fact]
    public async Task A_tier_change_sends_every_name_of_the_inode_and_nothing_changed_sends_nothing()
    {
        await _t.Publisher().PublishAsync(CancellationToken.None);
        var unchanged = await _t.Publisher().PublishAsync(CancellationToken.None);
        Assert.True(unchanged.Unchanged);
        Assert.Equal(1, unchanged.Generation);

        _t.Index.Upsert(NamespaceTestTree.Tier(5000, 4096, StubRecord.StateReleased)); // release the hard-linked file
        _t.Index.Flush();
        var r = await _t.Publisher().PublishAsync(CancellationToken.None);
        Assert.Equal((2L, 0L), (r.Puts, r.Deletes));
        var tree = (await _t.Reader().LoadAsync(null, CancellationToken.None))!;
        Assert.Equal(TierState.Released, tree.Lookup("top-link.bin")!.State);
        Assert.Equal(TierState.Released, tree.Lookup("proj/data/b.bin")!.State);
    }

    [Fact]
    public async Task The_pointer_is_written_last_so_a_failed_sync_leaves_the_generation_before_whole()
    {
        await _t.Publisher().PublishAsync(CancellationToken.None);
        _t.Index.DeleteEntryTree(6);
        _t.Index.Flush();
        _t.Remote.Fail = (op, key) => op == FakeOp.PutRecord && key.EndsWith("/pointer", StringComparison.Ordinal) ? new RemoteUnavailableException("down") : null;
        await Assert.ThrowsAsync<RemoteUnavailableException>(() => _t.Publisher().PublishAsync(CancellationToken.None));

        var tree = (await _t.Reader().LoadAsync(null, CancellationToken.None))!;
        Assert.Equal(1, tree.Generation);
        Assert.NotNull(tree.Lookup("top.txt"));

        // The next sync sends what the failed one did not, as a delta of the generation the remote holds.
        _t.Remote.Fail = (_, _) => null;
        var r = await _t.Publisher().PublishAsync(CancellationToken.None);
        Assert.Equal((2L, false, 1L), (r.Generation, r.Snapshot, r.Deletes));
        Assert.Null((await _t.Reader().LoadAsync(null, CancellationToken.None))!.Lookup("top.txt"));
    }

    [Fact]
    public async Task After_max_deltas_a_snapshot_and_older_generations_are_reached_through_the_headers()
    {
        for (var i = 0; i < 4; i++)
        {
            _t.Put(NamespaceTestTree.Row(100 + i, 1, $"new{i}"));
            _t.Index.Flush();
            await _t.Publisher(maxDeltas: 1).PublishAsync(CancellationToken.None);
        }
        var pointer = (await _t.Reader().ReadPointerAsync(CancellationToken.None))!;
        Assert.Equal(4, pointer.Generation);
        Assert.Equal([true, false], pointer.Chain.Select(c => c.Snapshot)); // 3 snapshot, 4 delta
        var two = (await _t.Reader().LoadAsync(2, CancellationToken.None))!;
        Assert.NotNull(two.Lookup("new1"));
        Assert.Null(two.Lookup("new2"));
        await Assert.ThrowsAsync<NamespaceNotFoundException>(() => _t.Reader().LoadAsync(5, CancellationToken.None));
    }

    [Fact]
    public async Task A_rebuilt_index_publishes_a_snapshot_on_top_of_the_remote_generation()
    {
        await _t.Publisher().PublishAsync(CancellationToken.None);
        _t.NewIndex();
        _t.Put(NamespaceTestTree.Row(1, 0, "", EntryRow.TypeDir));
        _t.Put(NamespaceTestTree.Row(2, 1, "only"));
        _t.Index.Flush();
        var r = await _t.Publisher().PublishAsync(CancellationToken.None);
        Assert.Equal((2L, true), (r.Generation, r.Snapshot));
        var tree = (await _t.Reader().LoadAsync(null, CancellationToken.None))!;
        Assert.Equal(2, tree.Count);
        Assert.NotNull(tree.Lookup("only"));
    }

    [Fact]
    public async Task A_damaged_generation_object_is_refused_whole()
    {
        await _t.Publisher().PublishAsync(CancellationToken.None);
        var pointer = (await _t.Reader().ReadPointerAsync(CancellationToken.None))!;
        var key = pointer.Chain[0].Key;
        _t.Remote.CorruptStored(key, _t.Remote.Data(key).Length - 6);
        await Assert.ThrowsAsync<NamespaceFormatException>(() => _t.Reader().LoadAsync(null, CancellationToken.None));
    }

    [Fact]
    public async Task Nothing_is_noted_before_a_first_publication()
    {
        _t.Put(NamespaceTestTree.Row(50, 1, "x"));
        _t.Index.Flush();
        Assert.Equal(0, _t.Index.PendingSyncChanges(0));
        await _t.Publisher().PublishAsync(CancellationToken.None);
        _t.Put(NamespaceTestTree.Row(51, 1, "y"));
        _t.Index.Flush();
        Assert.Equal(1, _t.Index.PendingSyncChanges(_t.Index.SyncStateOf(NamespaceTestTree.Pair)!.Cursor));
    }
}
