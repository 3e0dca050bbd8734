using TierFs.Index;
using TierFs.Records;

namespace TierFs.Tests.Scan;

/// <summary>The incremental scanner against small real trees (issue 4).</summary>
public class ScannerTests : IDisposable
{
    private readonly ScanTestTree _tree = new(holdStill: true);

    public void Dispose() => _tree.Dispose();

    private void Build()
    {
        _tree.File("a/one.txt", "1");
        _tree.File("a/two.txt", "22");
        _tree.File("a/sub/three.txt", "333");
        _tree.File("a/sub/deep/four.txt", "4444");
        _tree.File("b/five.txt");
        _tree.File("top.txt");
        Directory.CreateDirectory(_tree["empty"]);
        File.CreateSymbolicLink(_tree["link"], "a/one.txt");
        File.CreateSymbolicLink(_tree["a/dirlink"], "sub"); // never followed
        _tree.HardLink("b/five.txt", "b/hard.txt");
    }

    [Fact]
    public void A_first_scan_finds_every_entry_and_a_rescan_of_an_unchanged_tree_writes_nothing()
    {
        Build();
        using var index = _tree.OpenIndex();
        var first = _tree.Scan(index);
        // Another process reads the whole tree: it lists every directory and reads every file.
        var walk = _tree.Walk();
        foreach (var path in walk.Where(p => p != "." && new FileInfo(_tree[p]) is { Exists: true, LinkTarget: null }))
            File.ReadAllBytes(_tree[path]);
        var again = _tree.Scan(index);
        Assert.Equal(walk, ScanTestTree.IndexedPaths(index));
        Assert.Equal(walk.Count, first.Counts.Entries);
        Assert.Equal(walk.Count, first.Counts.New);
        Assert.Equal(0, first.Counts.Errors);
        Assert.Equal("a/one.txt", index.Query("SELECT target FROM files WHERE path = 'link'").Rows[0][0]);
        Assert.Equal("l", index.Query("SELECT type FROM files WHERE path = 'a/dirlink'").Rows[0][0]);

        // The second scan of the unchanged tree: the reader changed nothing the test did not hold still.
        Assert.Equal(walk.Count, again.Counts.Entries);
        Assert.Equal((0L, 0L, 0L, 0L, 0L), (again.Counts.New, again.Counts.Changed, again.Counts.Deleted, again.Counts.Renamed, again.Counts.Writes));
        Assert.Equal(first.Generation + 1, again.Generation);
        var committed = index.CommittedWrites;
        Assert.Equal(0, _tree.Scan(index).Counts.Writes);
        Assert.Equal(1, index.CommittedWrites - committed); // the scan's history row only
    }

    [Fact]
    public void Files_created_changed_and_deleted_directly_in_the_tree_are_found()
    {
        Build();
        _tree.File("c/gone1.txt");
        _tree.File("c/gone2/x.txt");
        using var index = _tree.OpenIndex();
        _tree.Scan(index);

        _tree.File("b/new.txt", "new");                                  // new (b changes)
        File.AppendAllText(_tree["a/one.txt"], "more");                  // size
        File.SetLastWriteTimeUtc(_tree["a/two.txt"], new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc)); // mtime
        File.SetUnixFileMode(_tree["top.txt"], UnixFileMode.UserRead);   // chmod
        File.Delete(_tree["a/sub/deep/four.txt"]);                       // deleted (deep changes)
        Directory.Delete(_tree["c"], recursive: true);                   // c, gone1, gone2, x: 4 deleted (root changes)

        var scan = _tree.Scan(index);
        Assert.Equal(1, scan.Counts.New);
        Assert.Equal(5, scan.Counts.Deleted);
        // one, two, top; and the directories whose contents changed: b, deep, the root.
        Assert.Equal(6, scan.Counts.Changed);
        Assert.Equal(0, scan.Counts.Renamed);
        Assert.Equal(0, _tree.Scan(index).Counts.Writes);
        // Listing a directory moves its atime: the test's own walk comes after the scans.
        Assert.Equal(_tree.Walk(), ScanTestTree.IndexedPaths(index));
        Assert.Equal(5L, index.Query("SELECT size FROM files WHERE path = 'a/one.txt'").Rows[0][0]);
        Assert.Equal(0x8100L, index.Query("SELECT mode FROM files WHERE path = 'top.txt'").Rows[0][0]);
    }

    [Fact]
    public void A_renamed_directory_is_one_rename_and_its_children_keep_their_rows()
    {
        Build();
        using var index = _tree.OpenIndex();
        _tree.Scan(index);
        var before = index.Query("SELECT name, id FROM files WHERE path LIKE 'a/sub/%'").Rows.ToDictionary(r => (string)r[0]!, r => (long)r[1]!);

        Directory.Move(_tree["a/sub"], _tree["b/moved"]);
        File.Move(_tree["top.txt"], _tree["top-renamed.txt"]);
        var scan = _tree.Scan(index);

        Assert.Equal(2, scan.Counts.Renamed);
        Assert.Equal(0, scan.Counts.New);
        Assert.Equal(0, scan.Counts.Deleted);
        Assert.Equal(0, _tree.Scan(index).Counts.Writes);
        Assert.Equal(_tree.Walk(), ScanTestTree.IndexedPaths(index));
        var after = index.Query("SELECT name, id FROM files WHERE path LIKE 'b/moved/%'").Rows.ToDictionary(r => (string)r[0]!, r => (long)r[1]!);
        Assert.Equal(before, after);
    }

    [Fact]
    public void A_name_taken_by_another_inode_and_swapped_names_are_followed()
    {
        Build();
        using var index = _tree.OpenIndex();
        _tree.Scan(index);
        File.Move(_tree["a/one.txt"], _tree["a/tmp"]);
        File.Move(_tree["a/two.txt"], _tree["a/one.txt"]);
        File.Move(_tree["a/tmp"], _tree["a/two.txt"]);
        // Replaced by another inode, made while the old one still exists: a delete then a create
        // may get the freed inode number back, and then it is the same file changed.
        _tree.File("top.new", "a new inode");
        File.Move(_tree["top.new"], _tree["top.txt"], overwrite: true);

        var scan = _tree.Scan(index);
        Assert.Equal(2, scan.Counts.Renamed);
        Assert.Equal(1, scan.Counts.New);
        Assert.Equal(1, scan.Counts.Deleted);
        Assert.Equal(_tree.Walk(), ScanTestTree.IndexedPaths(index));
        Assert.Equal(2L, index.Query("SELECT size FROM files WHERE path = 'a/one.txt'").Rows[0][0]);
    }

    [Fact]
    public void A_file_with_a_stub_record_gets_its_tier_row_and_a_rebuilt_index_equals_the_old_one()
    {
        Build();
        _tree.SetRecord("a/one.txt", ScanTestTree.Record(StubRecord.StateArchived, "11111111-aaaa", 1) with { MtimeNs = 0 });
        using (var stub = File.Create(_tree["b/released.h5"])) stub.SetLength(10 << 20); // sparse: no data
        _tree.SetRecord("b/released.h5", ScanTestTree.Record(StubRecord.StateReleased, "22222222-bbbb", 10 << 20) with { MtimeNs = ScanTestTree.MtimeNs(_tree["b/released.h5"]) });

        List<string> dump;
        using (var index = _tree.OpenIndex())
        {
            var scan = _tree.Scan(index);
            Assert.Equal(2, scan.Counts.TierRecords);
            var row = index.Get(ScanTestTree.KeyOf(_tree["b/released.h5"]));
            Assert.NotNull(row);
            Assert.Equal(StubRecord.StateReleased, row.Record.State);
            Assert.Equal("data/22222222-bbbb/1", row.Record.ObjectKey);
            Assert.Equal("b/released.h5", row.Path);
            var states = index.Query("SELECT path, state FROM files WHERE type = 'f' AND state <> 'resident' ORDER BY path").Rows;
            Assert.Equal(["a/one.txt", "dirty"], states[0]); // archived, then changed: its mtime is not the record's
            Assert.Equal(["b/released.h5", "released"], states[1]);

            // The record changed on the file: the next scan follows it.
            _tree.SetRecord("a/one.txt", ScanTestTree.Record(StubRecord.StateReleased, "11111111-aaaa", 1));
            var rescan = _tree.Scan(index);
            Assert.Equal(1, rescan.Counts.TierRecords);
            Assert.Equal(StubRecord.StateReleased, index.Get(ScanTestTree.KeyOf(_tree["a/one.txt"]))!.Record.State);
            dump = ScanTestTree.Dump(index);
        }

        File.Delete(_tree.DbPath);
        using (var rebuilt = _tree.OpenIndex())
        {
            _tree.Scan(rebuilt, threads: 3);
            Assert.Equal(dump, ScanTestTree.Dump(rebuilt));
        }
    }

    [Fact]
    public void The_progress_callback_is_called_with_the_final_counts()
    {
        Build();
        using var index = _tree.OpenIndex();
        var seen = new List<long>();
        var result = new TierFs.Scan.Scanner(index, new TierFs.Scan.ScanOptions { Threads = 1, Progress = p => { lock (seen) seen.Add(p.Entries); } }).Scan(_tree.Root);
        Assert.Equal(result.Counts.Entries, seen[^1]);
        Assert.Contains("entries:", result.ToString());
    }

    [Fact]
    public void A_cancelled_first_scan_leaves_the_index_whole_and_the_next_scan_completes_it()
    {
        for (var d = 0; d < 20; d++) _tree.File($"d{d}/f.txt");
        using var index = _tree.OpenIndex();
        // Cancelled before it starts: the load begins (root row written), the walk stops at once.
        var options = new TierFs.Scan.ScanOptions { Threads = 1, Cancellation = new CancellationToken(canceled: true) };
        var cancelled = new TierFs.Scan.Scanner(index, options).Scan(_tree.Root);
        Assert.True(cancelled.Cancelled);
        var indexes = index.Query("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'entries' ORDER BY name").Rows.Select(r => (string)r[0]!);
        Assert.Equal(["entries_inode", "entries_parent_name", "entries_size"], indexes);

        _tree.Scan(index);
        Assert.Equal(_tree.Walk(), ScanTestTree.IndexedPaths(index));
    }
}
