using TierFs.Index;
using TierFs.Records;

namespace TierFs.Tests.Index;

/// <summary>A first scan's bulk load: the entries' secondary indexes are dropped meanwhile and always come back.</summary>
public class EntryLoadTests : IDisposable
{
    private static readonly string[] SecondaryIndexes = ["entries_inode", "entries_parent_name", "entries_size"];

    private readonly IndexTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static EntryRow Row(long id, long parent, string name) => new()
    {
        Id = id,
        ParentId = parent,
        Name = name,
        Type = EntryRow.TypeFile,
        Key = new FileKey(0x803, (ulong)id + 1000),
        Nlink = 1,
        Mode = 0x81a4,
        Scan = 1,
    };

    /// <summary>The entries indexes in the file, with their SQL.</summary>
    private List<string> IndexSql()
    {
        using var raw = IndexTestFiles.Raw(_files.DbPath);
        using var command = raw.CreateCommand();
        command.CommandText = "SELECT name || ': ' || sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'entries' ORDER BY name";
        using var r = command.ExecuteReader();
        var list = new List<string>();
        while (r.Read()) list.Add(r.GetString(0));
        return list;
    }

    [Fact]
    public void A_load_drops_the_indexes_and_builds_the_same_ones_at_its_end()
    {
        using (_files.Open()) { }
        var schema = IndexSql();
        Assert.Equal(SecondaryIndexes, schema.Select(s => s.Split(':')[0]));

        using var index = _files.Open();
        using (var load = index.BeginEntryLoad())
        {
            Assert.NotNull(load);
            Assert.Empty(IndexSql());
            index.PutEntry(Row(2, 1, "a"));
            index.PutEntry(Row(3, 1, "b"));
        }
        Assert.Equal(schema, IndexSql());
        Assert.Equal(["a", "b"], index.Children(1).Select(r => r.Name).Order());
        Assert.Equal(2, index.EntryStats().Entries);
    }

    [Fact]
    public async Task After_a_load_its_pages_reach_the_database_file_without_anyone_waiting()
    {
        using var index = _files.Open();
        using (index.BeginEntryLoad())
            for (var i = 2; i < 5002; i++) index.PutEntry(Row(i, 1, $"file-{i}"));
        index.Flush();
        // The load turned automatic checkpoints off; the checkpoint queued for when the writer is
        // idle copies the rows into the file (until then they are in the WAL only) and turns them on.
        var file = new FileInfo(_files.DbPath);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (file.Length < 500_000 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
            file.Refresh();
        }
        Assert.True(file.Length >= 500_000, $"the database file has {file.Length} bytes: the load was not checkpointed");
        long autoCheckpoint = 0;
        var read = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        index.WhenIdle(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_autocheckpoint";
            autoCheckpoint = (long)command.ExecuteScalar()!;
            read.SetResult();
        });
        await read.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1000, autoCheckpoint);
    }

    [Fact]
    public void There_is_no_load_into_a_table_that_has_rows()
    {
        using var index = _files.Open();
        index.PutEntry(Row(2, 1, "a"));
        index.Flush();
        Assert.Null(index.BeginEntryLoad());
        Assert.Equal(SecondaryIndexes, IndexSql().Select(s => s.Split(':')[0]));
    }

    [Fact]
    public void Indexes_left_missing_by_a_process_that_died_are_rebuilt_on_open()
    {
        using (_files.Open()) { }
        var schema = IndexSql();
        using (var raw = IndexTestFiles.Raw(_files.DbPath))
        {
            IndexTestFiles.Scalar(raw, "DROP INDEX entries_parent_name");
            IndexTestFiles.Scalar(raw, "DROP INDEX entries_size");
        }
        using (_files.Open()) { }
        Assert.Equal(schema, IndexSql());
    }

    [Fact]
    public void A_name_loaded_twice_keeps_its_first_row_and_the_unique_index_is_built()
    {
        using var index = _files.Open();
        using (index.BeginEntryLoad())
        {
            index.PutEntry(Row(2, 1, "a"));
            index.PutEntry(Row(3, 1, "a"));
        }
        Assert.Equal([2L], index.Children(1).Select(r => r.Id));
        Assert.Equal(SecondaryIndexes, IndexSql().Select(s => s.Split(':')[0]));
    }
}
