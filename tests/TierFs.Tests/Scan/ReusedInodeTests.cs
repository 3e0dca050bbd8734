using System.Text;
using TierFs.Index;
using TierFs.Namespace;
using TierFs.Posix;
using TierFs.Records;
using TierFs.Scan;
using TierFs.Tests.Fakes;

namespace TierFs.Tests.Scan;

/// <summary>
/// A stub deleted behind the mount leaves its inode number free; a user who makes a file through
/// the mount that gets the number, with the stub's size and mtime, must not be given its record: not
/// in the namespace published to the west (which serves a record's data, and `tierfs import` makes
/// a stub of it), nor in the index's files view (`tierfs query`, the policies).
/// </summary>
public sealed class ReusedInodeTests : IDisposable
{
    private const string Pair = "heb";
    private readonly ObservedTree _observed = new();
    private readonly FakeRemoteStore _remote = new();

    public void Dispose() => _observed.Dispose();

    private ScanTestTree Tree => _observed.Tree;

    [Theory]
    [InlineData(false, false)] // the stub's row is still there: the keeper takes the new file for it, renamed
    [InlineData(true, false)] // a scan in between removed the stub's entry row
    [InlineData(false, true)] // the new file made at the stub's own name
    public async Task A_file_given_a_deleted_stubs_inode_number_is_not_given_its_record(bool scanBetween, bool sameName)
    {
        using var index = Tree.OpenIndex();
        using var keeper = _observed.Keeper(index, applyInBackground: false);
        var stub = Stub("v.bin");
        var v = Tree["v.bin"];
        var key = ScanTestTree.KeyOf(v);
        keeper.Scan();
        await PublishAsync(index);
        Assert.Equal(TierState.Released, (await LoadAsync()).Lookup("v.bin")!.State);

        File.Delete(v); // behind the mount: nobody tells the keeper
        if (scanBetween) keeper.Scan();
        var mine = sameName ? "v.bin" : "mine.bin";
        Tree.File(mine, new string('m', (int)stub.Size));
        SetMtime(Tree[mine], stub.MtimeNs);
        ReuseOrRekey(index, key, mine);
        var reused = ScanTestTree.KeyOf(Tree[mine]);
        Assert.Equal(stub.FileId, index.Get(reused)?.Record.FileId); // the stale row the new file's number finds
        _observed.Told(keeper, mine); // create
        ObservedTree.Changed(keeper, _observed.Node(mine)); // write, utimens
        keeper.ApplyBatch();
        keeper.Scan(); // the stat it has: nothing to read again
        await PublishAsync(index);

        var published = (await LoadAsync()).Lookup(mine)!;
        Assert.Equal(reused.Ino, (ulong)published.Ino);
        Assert.True(published.Record is null, $"{mine} was published with the record of the deleted stub ({published.State})");
        Assert.Equal(TierState.Resident, published.State);
        Assert.Equal("resident|∅", string.Join("|", index.Query($"SELECT state, file_id FROM files WHERE path = '{mine}'").Rows.Single().Select(c => c?.ToString() ?? "∅")));
    }

    [Fact]
    public async Task A_stub_renamed_and_linked_through_the_mount_keeps_its_record()
    {
        using var index = Tree.OpenIndex();
        using var keeper = _observed.Keeper(index, applyInBackground: false);
        var record = Stub("v.bin");
        keeper.Scan();
        File.Move(Tree["v.bin"], Tree["w.bin"]);
        _observed.Told(keeper, "v.bin");
        _observed.Told(keeper, "w.bin");
        Tree.HardLink("w.bin", "x.bin");
        _observed.Told(keeper, "x.bin");
        keeper.ApplyBatch();
        await PublishAsync(index);

        var tree = await LoadAsync();
        Assert.Equal(record, tree.Lookup("w.bin")!.Record);
        Assert.Equal(record, tree.Lookup("x.bin")!.Record);
        Assert.Equal(record.FileId, index.Get(ScanTestTree.KeyOf(Tree["w.bin"]))?.Record.FileId);
    }

    /// <summary>A file with a released record whose size and mtime are the file's.</summary>
    private StubRecord Stub(string relative)
    {
        Tree.File(relative, "the data of someone else's file");
        var path = Tree[relative];
        var record = ScanTestTree.Record(StubRecord.StateReleased, "0123456789abcdef0123456789abcdef", new FileInfo(path).Length) with { MtimeNs = ScanTestTree.MtimeNs(path) };
        Tree.SetRecord(relative, record);
        return record;
    }

    /// <summary>
    /// ext4 gives the next file made in a directory the lowest free number of its group: the stub's,
    /// unless a lower one was freed meanwhile (the publication's temporary file, another process's),
    /// so not always; a filesystem whose numbers only grow (tmpfs) never does. Then the index is made
    /// to hold what the reuse would have left: the stub's rows under the new file's number. What the
    /// keeper, the scan and the publication do with them is real either way.
    /// </summary>
    private void ReuseOrRekey(TierIndex index, FileKey old, string made)
    {
        var now = ScanTestTree.KeyOf(Tree[made]);
        if (now == old) return;
        var tier = index.Get(old)!;
        index.Remove(old);
        index.Upsert(tier with { Key = now });
        foreach (var row in index.EntriesOf(old)) index.PutEntry(row with { Key = now });
        index.Flush();
    }

    private static unsafe void SetMtime(string path, long ns)
    {
        var times = stackalloc Timespec[2] { new Timespec { Nsec = Libc.UTIME_OMIT }, Timespec.FromNs(ns) };
        fixed (byte* p = Encoding.UTF8.GetBytes(path + "\0"))
            if (Libc.UtimensAt(Libc.AT_FDCWD, p, times, 0) != 0) throw new IOException($"utimensat {path}: errno {Libc.Errno()}");
    }

    private Task<PublishResult> PublishAsync(TierIndex index) =>
        new NamespacePublisher(_remote, index, new PublishOptions { Pair = Pair, ContractValue = "east,/src,west,/dst", TempDirectory = Tree.Dir })
            .PublishAsync(CancellationToken.None);

    private async Task<NamespaceTree> LoadAsync() => (await new NamespaceReader(_remote, Pair, Tree.Dir).LoadAsync(null, CancellationToken.None))!;
}
