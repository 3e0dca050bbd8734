using System.Text;
using TierFs.Records;

namespace TierFs.Tests.Tiering;

public class StubRecordTests
{
    private static StubRecord Archived() => new()
    {
        State = StubRecord.StateArchived,
        FileId = "0f8fad5b-d9cb-469f-a165-70867728950e",
        ObjectKey = "data/0f/0f8fad5b-d9cb-469f-a165-70867728950e/1",
        Checksum = "9e107d9d372bb6826bd81d3542a419d6-1",
        Crc32C = "52e15a41-1",
        PartSize = 16 << 20,
        Size = 12345,
        MtimeNs = 1_700_000_000_123_456_789,
        CtimeNs = 1_700_000_001_000_000_000,
        Pair = "heb",
        Flags = TierFlags.NoRelease,
    };

    [Fact]
    public void Round_trips_through_the_xattr_form_and_stays_small()
    {
        var bytes = StubXattr.Encode(Archived());
        Assert.True(bytes.Length < 512, $"{bytes.Length} bytes: an xattr should fit in the inode's block");
        Assert.Equal(Archived(), StubXattr.Decode(bytes));
        Assert.Contains("\"flags\":\"no_release\"", Encoding.UTF8.GetString(bytes));
    }

    [Theory]
    [InlineData(12345L, 1_700_000_000_123_456_789L, false, TierState.Archived)]
    [InlineData(12346L, 1_700_000_000_123_456_789L, false, TierState.Dirty)]
    [InlineData(12345L, 1_700_000_000_123_456_790L, false, TierState.Dirty)]
    [InlineData(12345L, 1_700_000_000_123_456_789L, true, TierState.Dirty)]
    public void Archived_turns_dirty_when_the_data_changes(long size, long mtime, bool dirtyMark, TierState expected) =>
        Assert.Equal(expected, (Archived() with { Dirty = dirtyMark }).StateFor(size, mtime));

    [Fact]
    public void A_stub_is_released_while_the_file_has_its_recorded_size_and_mtime_lost_whatever_it_has()
    {
        var released = Archived() with { State = StubRecord.StateReleased };
        Assert.Equal(TierState.Released, released.StateFor(12345, 1_700_000_000_123_456_789));
        Assert.Equal(TierState.Lost, (Archived() with { State = StubRecord.StateLost }).StateFor(0, 0));
        Assert.True(released.IsStub);
        Assert.False(Archived().IsStub);
    }

    [Theory]
    [InlineData(12354L, 1_700_000_000_123_456_789L, false, TierState.Mismatch)] // appended to while unmounted
    [InlineData(12345L, 1_700_000_000_999_999_999L, false, TierState.Mismatch)] // written or touched behind the mount
    [InlineData(0L, 1_700_000_000_123_456_789L, false, TierState.Mismatch)]     // truncated behind the mount
    [InlineData(12345L, 1_700_000_000_999_999_999L, true, TierState.Released)]  // our own recall, interrupted
    public void A_stub_whose_file_was_changed_behind_the_mount_is_a_mismatch(long size, long mtime, bool recalling, TierState expected) =>
        Assert.Equal(expected, (Archived() with { State = StubRecord.StateReleased, Recalling = recalling }).StateFor(size, mtime));

    [Fact]
    public void A_record_names_its_remote_tier_and_one_without_it_is_taken_as_the_mounts_own()
    {
        var record = Archived() with { Remote = "s3://tier/east/" };
        Assert.False(record.IsForeign("s3://tier/east/"));
        Assert.True(record.IsForeign("s3://tier/eats/"));
        Assert.False(Archived().IsForeign("directory:/var/lib/tierfs/x/archive/"));
        Assert.Equal(record, StubXattr.Decode(StubXattr.Encode(record)));
    }

    [Fact]
    public void Flag_only_record_is_resident()
    {
        var r = new StubRecord { State = StubRecord.StateNone, FileId = "x", Flags = TierFlags.NoArchive };
        Assert.Equal(TierState.Resident, StubXattr.Decode(StubXattr.Encode(r)).StateFor(10, 10));
        Assert.Equal("resident,noarchive", TierStateNames.Describe(TierState.Resident, r.Flags));
    }

    [Fact]
    public void A_record_written_before_the_crc_existed_stays_valid_without_it()
    {
        var old = "{\"v\":1,\"state\":\"released\",\"id\":\"x\",\"key\":\"data/x/1\",\"sum\":\"9e107d9d372bb6826bd81d3542a419d6-1\",\"part\":16777216,\"size\":5}";
        var record = StubXattr.Decode(Encoding.UTF8.GetBytes(old));
        Assert.Null(record.Crc32C);
        Assert.Equal("9e107d9d372bb6826bd81d3542a419d6-1", record.Checksum);
        Assert.DoesNotContain("crc", Encoding.UTF8.GetString(StubXattr.Encode(record)));
        Assert.Contains("\"crc\":\"52e15a41-1\"", Encoding.UTF8.GetString(StubXattr.Encode(Archived())));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("null")]
    [InlineData("{\"v\":2,\"state\":\"archived\",\"id\":\"x\"}")]
    [InlineData("{\"v\":1,\"state\":\"floating\",\"id\":\"x\"}")]
    [InlineData("{\"v\":1,\"state\":\"released\",\"id\":\"x\",\"size\":5}")]
    public void Unreadable_records_are_refused_not_guessed(string json) =>
        Assert.Throws<CorruptStubException>(() => StubXattr.Decode(Encoding.UTF8.GetBytes(json)));
}
