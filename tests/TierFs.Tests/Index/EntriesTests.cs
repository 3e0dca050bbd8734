using TierFs.Index;
using Xunit.Abstractions;
using TierFs.Records;

namespace TierFs.Tests.Index;

/// <summary>Schema 2: the entries table, the path() function and the files view.</summary>
public class EntriesTests(ITestOutputHelper output) : IDisposable
{
    private readonly IndexTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static EntryRow Row(long id, long parent, string name, string type = EntryRow.TypeFile, ulong ino = 0, long size = 0) => new()
    {
        Id = id,
        ParentId = parent,
        Name = name,
        Type = type,
        Key = new FileKey(0x803, ino == 0 ? (ulong)id + 1000 : ino),
        Nlink = 1,
        Mode = type == EntryRow.TypeDir ? 0x41ed : 0x81a4,
        Size = size,
        AtimeNs = 1_700_000_000_000_000_000,
        MtimeNs = 1_700_000_000_000_000_000,
        CtimeNs = 1_700_000_000_000_000_000,
        Scan = 1,
    };

    private static List<string> Paths(TierIndex index, string sql) =>
        index.Query(sql).Rows.Select(r => (string)r[0]!).ToList();

    [Fact]
    public void Path_and_the_files_view_give_each_row_its_path_and_a_directory_rename_touches_one_row()
    {
        using var index = _files.Open();
        index.PutEntry(Row(1, 0, "", EntryRow.TypeDir));
        index.PutEntry(Row(2, 1, "proj", EntryRow.TypeDir));
        index.PutEntry(Row(3, 2, "data", EntryRow.TypeDir));
        index.PutEntry(Row(4, 3, "a.h5", size: 10));
        index.PutEntry(Row(5, 1, "top.txt", size: 20));
        index.Flush();

        Assert.Equal([".", "proj", "proj/data", "proj/data/a.h5", "top.txt"], Paths(index, "SELECT path FROM files ORDER BY path"));
        Assert.Equal(["proj/data/a.h5"], Paths(index, "SELECT path(4)"));
        Assert.Equal(["."], Paths(index, "SELECT path(1)"));

        var writes = index.CommittedWrites;
        index.PutEntry(Row(2, 1, "project", EntryRow.TypeDir)); // mv proj project
        index.Flush();
        Assert.Equal(1, index.CommittedWrites - writes);
        Assert.Equal(["project/data/a.h5"], Paths(index, "SELECT path FROM files WHERE name = 'a.h5'"));
        Assert.Equal(["project/data/a.h5"], Paths(index, "SELECT path(4)"));
    }

    [Fact]
    public void The_files_view_shows_tier_states_resident_when_there_is_no_record()
    {
        using var index = _files.Open();
        index.PutEntry(Row(1, 0, "", EntryRow.TypeDir));
        index.PutEntry(Row(2, 1, "plain", ino: 500));
        index.PutEntry(Row(3, 1, "stub", ino: 501, size: 100_501));
        index.Upsert(SampleRows.Stub(501).With(r => r with { MtimeNs = 1_700_000_000_000_000_000 }) with { Key = new FileKey(0x803, 501) });
        index.Flush();

        var rows = index.Query("SELECT name, state, pair FROM files WHERE type = 'f' ORDER BY name").Rows;
        Assert.Equal(["plain", "resident", null], rows[0]);
        Assert.Equal(["stub", "released", "heb"], rows[1]);
    }

    [Theory]
    [InlineData(100_502L, 1_700_000_000_000_000_000L, false, "mismatch")] // appended to behind the mount
    [InlineData(100_501L, 1_700_000_000_000_000_001L, false, "mismatch")] // written behind the mount
    [InlineData(100_501L, 1_700_000_000_000_000_001L, true, "released")]  // a recall of ours was interrupted
    public void The_files_view_shows_a_stub_changed_behind_the_mount_as_mismatch(long recordSize, long recordMtime, bool recalling, string state)
    {
        using var index = _files.Open();
        index.PutEntry(Row(1, 0, "", EntryRow.TypeDir));
        index.PutEntry(Row(3, 1, "stub", ino: 501, size: 100_501));
        index.Upsert(SampleRows.Stub(501).With(r => r with { Size = recordSize, MtimeNs = recordMtime, Recalling = recalling }) with { Key = new FileKey(0x803, 501) });
        index.Flush();

        Assert.Equal(state, index.Query("SELECT state FROM files WHERE name = 'stub'").Rows[0][0]);
    }

    [Fact]
    public void Deleting_a_directory_tree_removes_everything_below_it()
    {
        using var index = _files.Open();
        index.PutEntry(Row(1, 0, "", EntryRow.TypeDir));
        index.PutEntry(Row(2, 1, "d", EntryRow.TypeDir));
        index.PutEntry(Row(3, 2, "e", EntryRow.TypeDir));
        index.PutEntry(Row(4, 3, "f"));
        index.PutEntry(Row(5, 1, "g"));
        index.Flush();
        Assert.Equal(3, index.CountTree(2));
        index.DeleteEntryTree(2);
        index.Flush();
        Assert.Equal([".", "g"], Paths(index, "SELECT path FROM files ORDER BY path"));
    }

    [Fact]
    public void Queries_cannot_write()
    {
        using var index = _files.Open();
        Assert.ThrowsAny<Exception>(() => index.Query("DELETE FROM entries"));
    }

    [Fact]
    public void An_entry_costs_well_under_300_bytes_on_disk()
    {
        // 2,000 directories of 100 files, one file in ten archived (a tier row as the mount writes it).
        const int dirs = 2_000, perDir = 100;
        using (var index = _files.Open())
        {
            index.PutEntry(Row(1, 0, "", EntryRow.TypeDir));
            var id = 1L;
            var rng = new Random(1);
            for (var d = 0; d < dirs; d++)
            {
                var dirId = ++id;
                index.PutEntry(Row(dirId, 1, $"dir{d:D5}", EntryRow.TypeDir, ino: (ulong)dirId * 3 + 7));
                for (var f = 0; f < perDir; f++)
                {
                    var fileId = ++id;
                    var ino = (ulong)fileId * 3 + 7;
                    index.PutEntry(Row(fileId, dirId, $"file_{f:D4}.dat", ino: ino, size: rng.NextInt64(1, 1L << 32)) with
                    {
                        AtimeNs = 1_700_000_000_000_000_000 + rng.NextInt64(1L << 50),
                        MtimeNs = 1_700_000_000_000_000_000 + rng.NextInt64(1L << 50),
                        CtimeNs = 1_700_000_000_000_000_000 + rng.NextInt64(1L << 50),
                        Blocks = rng.NextInt64(1, 1L << 23),
                        Uid = 1000 + f % 7,
                        Gid = 100,
                    });
                    if (f % 10 == 0) index.Upsert(SampleRows.Stub(ino) with { Path = null });
                }
            }
        }
        var entries = 1 + dirs * (1 + perDir);
        var bytes = new FileInfo(_files.DbPath).Length;
        var perEntry = bytes / (double)entries;
        output.WriteLine($"{entries} entries (10% with a tier row): {bytes} bytes, {perEntry:F0} bytes per entry");
        Assert.InRange(perEntry, 50, 300);
    }
}
