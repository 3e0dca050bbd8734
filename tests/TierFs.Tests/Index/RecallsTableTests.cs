using TierFs.Index;
using TierFs.Records;

namespace TierFs.Tests.Index;

/// <summary>The recalls table: one row per recall through the index's writer, readable by `tierfs query` (read-only).</summary>
public class RecallsTableTests : IDisposable
{
    private readonly IndexTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void A_recall_is_one_row_and_one_that_named_no_path_gets_its_inodes_path_from_the_namespace()
    {
        using (var index = _files.Open())
        {
            index.PutEntry(new EntryRow { Id = 1, ParentId = 0, Name = "", Type = EntryRow.TypeDir, Key = new FileKey(0x803, 2), Nlink = 2, Mode = 0x41ed, Scan = 1 });
            index.PutEntry(new EntryRow { Id = 2, ParentId = 1, Name = "proj", Type = EntryRow.TypeDir, Key = new FileKey(0x803, 3), Nlink = 2, Mode = 0x41ed, Scan = 1 });
            index.PutEntry(new EntryRow { Id = 3, ParentId = 2, Name = "a.h5", Type = EntryRow.TypeFile, Key = new FileKey(0x803, 77), Nlink = 1, Mode = 0x81a4, Size = 10, Scan = 1 });
            index.AppendRecall(new RecallRow
            {
                Key = new FileKey(0x803, 77), FileId = "f1", Path = null, Trigger = "open", Pid = 4242, Uid = 1000, Gid = 100,
                Command = "cat", StartedMs = 1_000, EndedMs = 1_500, Bytes = 10,
            });
            index.AppendRecall(new RecallRow
            {
                Key = new FileKey(0x803, 78), FileId = "f2", Path = "gone.bin", Trigger = "command", Pid = 7, Uid = 0, Gid = 0,
                Command = "tierfs", StartedMs = 2_000, EndedMs = 2_100, Bytes = 3, Error = "checksum mismatch",
            });
        }
        using var reader = ReadOnlyIndex.Open(_files.DbPath);
        using var cursor = reader.Query("SELECT file_id, path, trigger, pid, uid, gid, command, started, ended, bytes, result, error FROM recalls ORDER BY id");
        var rows = new List<object?[]>();
        while (cursor.Read()) rows.Add(cursor.Values());
        Assert.Equal(2, rows.Count);
        Assert.Equal(new object?[] { "f1", "proj/a.h5", "open", 4242L, 1000L, 100L, "cat", 1000L, 1500L, 10L, "ok", null }, rows[0]);
        Assert.Equal(new object?[] { "f2", "gone.bin", "command", 7L, 0L, 0L, "tierfs", 2000L, 2100L, 3L, "failed", "checksum mismatch" }, rows[1]);
        Assert.Throws<QueryRefusedException>(() => reader.Query("DELETE FROM recalls").Dispose());
    }
}
