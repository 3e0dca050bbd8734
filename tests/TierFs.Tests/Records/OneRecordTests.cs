using System.Reflection;
using System.Text.Json.Serialization;
using TierFs.Index;
using TierFs.Index.Storage;
using TierFs.Records;
using TierFs.Tests.Index;

namespace TierFs.Tests.Records;

/// <summary>
/// The record is written in one place and copied in two: the xattr (StubXattr) and the index's
/// tier table (TierColumns); the state it stands for is derived in one place (StubRecord.StateFor)
/// and again by the files view's SQL. These tests hold the copies to the one: a field added to the
/// record without its column, or a rule changed in one place alone, fails here.
/// </summary>
public class OneRecordTests : IDisposable
{
    private readonly IndexTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    /// <summary>Every settable property of the record, set to a value of its own (not its default).</summary>
    internal static StubRecord EveryFieldSet()
    {
        var record = new StubRecord { State = StubRecord.StateReleased, FileId = "f1e1d000000000000000000000000001" };
        var n = 1;
        foreach (var p in typeof(StubRecord).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.GetCustomAttribute<JsonIgnoreAttribute>() is not null || p.SetMethod is null ||
                p.Name is nameof(StubRecord.Version) or nameof(StubRecord.State) or nameof(StubRecord.FileId))
                continue;
            object value = p.PropertyType switch
            {
                var t when t == typeof(string) => $"{p.Name.ToLowerInvariant()}-{n}",
                var t when t == typeof(long) => 1_000_000_000_000L + n,
                var t when t == typeof(int) => 1000 + n,
                var t when t == typeof(bool) => true,
                var t when t == typeof(TierFlags) => TierFlags.NoArchive | TierFlags.NoRelease,
                var t => throw new InvalidOperationException($"StubRecord.{p.Name} is a {t.Name}: teach this test a value for it (and TierColumns a column)"),
            };
            p.SetValue(record, value);
            n++;
        }
        return record;
    }

    [Fact]
    public void Every_field_of_the_record_has_its_column_in_the_tier_table_and_comes_back_from_the_index()
    {
        var record = EveryFieldSet();
        var row = new TierRow { Key = new FileKey(7, 8), Record = record, Path = "a/b", RecalledAtMs = 5 };
        using (var index = _files.Open())
        {
            index.Upsert(row);
            index.Flush();
            Assert.Equal(row, index.Get(row.Key));
        }
        // And the table holds exactly the columns the list writes (no column the record lacks).
        using var raw = IndexTestFiles.Raw(_files.DbPath);
        using var cmd = raw.CreateCommand();
        cmd.CommandText = "SELECT name FROM pragma_table_info('tier') ORDER BY cid";
        using var r = cmd.ExecuteReader();
        var columns = new List<string>();
        while (r.Read()) columns.Add(r.GetString(0));
        Assert.Equal(TierColumns.Names.Order(), columns.Order());
    }

    [Fact]
    public void Every_field_of_the_record_comes_back_from_the_xattr_form() =>
        Assert.Equal(EveryFieldSet(), StubXattr.Decode(StubXattr.Encode(EveryFieldSet())));

    public static TheoryData<string, bool, bool, long, long> Cases()
    {
        var data = new TheoryData<string, bool, bool, long, long>();
        foreach (var state in new[] { StubRecord.StateArchived, StubRecord.StateReleased, StubRecord.StateLost, StubRecord.StateNone })
            foreach (var dirty in new[] { false, true })
                foreach (var recalling in new[] { false, true })
                    foreach (var size in new[] { 1000L, 1001L })
                        foreach (var mtime in new[] { 5_000L, 5_001L })
                            data.Add(state, dirty, recalling, size, mtime);
        return data;
    }

    private static void Tree(TierIndex index, long fileSize, long fileMtime)
    {
        index.PutEntry(new EntryRow { Id = 1, ParentId = 0, Name = "", Type = EntryRow.TypeDir, Key = new FileKey(1, 1), Nlink = 2, Mode = 0x41ed, Scan = 1 });
        index.PutEntry(new EntryRow
        {
            Id = 2, ParentId = 1, Name = "f", Type = EntryRow.TypeFile, Key = new FileKey(1, 2), Nlink = 1, Mode = 0x81a4,
            Size = fileSize, MtimeNs = fileMtime, Scan = 1,
        });
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_files_view_derives_the_state_as_the_record_does(string state, bool dirty, bool recalling, long fileSize, long fileMtime)
    {
        var record = new StubRecord { State = state, FileId = "x", Dirty = dirty, Recalling = recalling, Size = 1000, MtimeNs = 5_000, ObjectKey = "data/x/1" };
        using var index = _files.Open();
        Tree(index, fileSize, fileMtime);
        index.Upsert(new TierRow { Key = new FileKey(1, 2), Record = record });
        index.Flush();

        var shown = index.Query("SELECT state FROM files WHERE name = 'f'").Rows.Single()[0];
        Assert.Equal(TierStateNames.Name(record.StateFor(fileSize, fileMtime)), shown);
    }

    [Fact]
    public void A_file_without_a_record_is_resident_in_the_view_as_in_state()
    {
        using var index = _files.Open();
        Tree(index, 3, 0);
        index.Flush();
        Assert.Equal(TierStateNames.Name(TierState.Resident), index.Query("SELECT state FROM files WHERE name = 'f'").Rows.Single()[0]);
    }

    [Fact]
    public void The_names_of_states_are_the_enums_and_every_list_of_them_is_that_one()
    {
        Assert.Equal(["resident", "archived", "dirty", "released", "lost", "mismatch"], TierStateNames.All);
        Assert.Equal(TierStateNames.All.ToHashSet(), TierFs.Index.Policies.CandidateFilter.KnownStates);
    }
}
