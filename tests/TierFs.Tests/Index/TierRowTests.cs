using TierFs.Index;
using TierFs.Records;

namespace TierFs.Tests.Index;

public class TierRowTests : IDisposable
{
    private readonly IndexTestFiles _files = new();
    private readonly TierIndex _index;

    public TierRowTests() => _index = _files.Open();

    public void Dispose()
    {
        _index.Dispose();
        _files.Dispose();
    }

    [Fact]
    public void Every_column_round_trips()
    {
        var row = SampleRows.Stub(42).With(r => r with { Dirty = true, Flags = TierFlags.NoArchive | TierFlags.NoRelease, Generation = 7, Recalling = true }) with { RecalledAtMs = 1_763_700_009_000 };
        _index.Upsert(row);
        _index.Flush();
        Assert.Equal(row, _index.Get(row.Key));
    }

    [Fact]
    public void An_index_from_before_the_digest_columns_keeps_its_rows_and_takes_the_digests()
    {
        using var files = new IndexTestFiles();
        Directory.CreateDirectory(Path.GetDirectoryName(files.DbPath)!);
        var old = SampleRows.Stub(9);
        using (var raw = IndexTestFiles.Raw(files.DbPath))
        {
            // The schema as version 5 left it, with one row in it.
            using var tx = raw.BeginTransaction();
            foreach (var step in TierFs.Index.Schema.Migrations.All.Where(m => m.Version <= 5)) step.Apply(raw, tx);
            using var insert = raw.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText = "INSERT INTO tier (dev, ino, file_id, state, object_key, generation, checksum, part_size, size, path) " +
                                 $"VALUES ({old.Key.Dev}, {old.Key.Ino}, '{old.Record.FileId}', 'released', '{old.Record.ObjectKey}', 1, '{old.Record.Checksum}', {old.Record.PartSize}, {old.Record.Size}, '{old.Path}')";
            insert.ExecuteNonQuery();
            tx.Commit();
            IndexTestFiles.Scalar(raw, "PRAGMA user_version = 5");
            IndexTestFiles.Scalar(raw, $"PRAGMA application_id = {TierFs.Index.Schema.Migrations.ApplicationId}");
        }

        using var index = files.Open();
        Assert.Equal(TierIndex.CurrentSchemaVersion, index.SchemaVersion);
        var migrated = index.Get(old.Key)!;
        Assert.Equal((old.Record.ObjectKey, old.Record.Checksum, old.Record.Size, old.Path), (migrated.Record.ObjectKey, migrated.Record.Checksum, migrated.Record.Size, migrated.Path));
        Assert.Null(migrated.Record.Crc32C);
        Assert.Null(migrated.Record.Blake3);
        index.Upsert(migrated.With(r => r with { Crc32C = old.Record.Crc32C, Blake3 = old.Record.Blake3 }));
        index.Flush();
        Assert.Equal((old.Record.Crc32C, old.Record.Blake3), (index.Get(old.Key)!.Record.Crc32C, index.Get(old.Key)!.Record.Blake3));
    }

    [Fact]
    public void Nulls_and_zeros_round_trip()
    {
        var row = new TierRow { Key = new FileKey(1, 2), Record = new StubRecord { FileId = "x", State = StubRecord.StateNone, Flags = TierFlags.NoArchive } };
        _index.Upsert(row);
        _index.Flush();
        Assert.Equal(row, _index.Get(row.Key));
    }

    [Fact]
    public void Device_and_inode_numbers_use_all_64_bits()
    {
        var row = SampleRows.Stub(ulong.MaxValue - 5, dev: ulong.MaxValue);
        var neighbour = SampleRows.Stub(5, dev: ulong.MaxValue);
        _index.Upsert(row);
        _index.Upsert(neighbour);
        _index.Flush();
        Assert.Equal(row, _index.Get(row.Key));
        Assert.Equal(neighbour, _index.Get(neighbour.Key));
    }

    [Fact]
    public void Upsert_replaces_the_whole_row()
    {
        var first = SampleRows.Stub(7);
        var second = first.With(r => r with { State = StubRecord.StateArchived, Pair = null, Generation = 2, Checksum = null }) with { Path = "moved/there" };
        _index.Upsert(first);
        _index.Upsert(second);
        _index.Flush();
        Assert.Equal(second, _index.Get(first.Key));
    }

    [Fact]
    public void Remove_forgets_the_inode_only()
    {
        _index.Upsert(SampleRows.Stub(1));
        _index.Upsert(SampleRows.Stub(2));
        _index.Remove(new FileKey(0x803, 1));
        _index.Remove(new FileKey(0x803, 99)); // absent: no error
        _index.Flush();
        Assert.Null(_index.Get(new FileKey(0x803, 1)));
        Assert.NotNull(_index.Get(new FileKey(0x803, 2)));
    }

    [Fact]
    public void SetPair_records_and_clears_the_pair_name()
    {
        var row = SampleRows.Stub(3).With(r => r with { Pair = null });
        _index.Upsert(row);
        _index.SetPair(row.Key, "heb");
        _index.Flush();
        Assert.Equal(row.With(r => r with { Pair = "heb" }), _index.Get(row.Key));

        _index.SetPair(row.Key, null);
        _index.SetPair(new FileKey(9, 9), "heb"); // no row: nothing created
        _index.Flush();
        Assert.Equal(row, _index.Get(row.Key));
        Assert.Null(_index.Get(new FileKey(9, 9)));
    }

    [Fact]
    public void LoadByState_returns_exactly_the_rows_in_that_state()
    {
        for (ulong i = 1; i <= 30; i++)
            _index.Upsert(SampleRows.Stub(i, i % 3 == 0 ? StubRecord.StateArchived : i % 3 == 1 ? StubRecord.StateReleased : StubRecord.StateLost));
        _index.Flush();

        var released = _index.LoadByState(StubRecord.StateReleased);
        Assert.Equal(10, released.Count);
        Assert.All(released, r => Assert.Equal(StubRecord.StateReleased, r.Record.State));
        Assert.Equal(SampleRows.Stub(4, StubRecord.StateReleased), released.Single(r => r.Key.Ino == 4));
        Assert.Equal(10, _index.LoadByState(StubRecord.StateLost).Count);
        Assert.Empty(_index.LoadByState(StubRecord.StateNone));
    }

    [Fact]
    public void Bad_rows_are_refused_by_the_caller_not_by_the_batch()
    {
        Assert.Throws<ArgumentException>(() => _index.Upsert(SampleRows.Stub(1).With(r => r with { State = "dirty" })));
        Assert.Throws<ArgumentException>(() => _index.Upsert(SampleRows.Stub(1).With(r => r with { FileId = "" })));
        Assert.Throws<ArgumentException>(() => _index.LoadByState("resident"));
    }
}
