using TierFs.Index;

namespace TierFs.Tests.Index;

public class VerifyTablesTests : IDisposable
{
    private readonly IndexTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Runs_differences_and_alarms_are_kept_and_read_back()
    {
        using (var index = _files.Open())
        {
            var id = index.NewVerifyRunId();
            Assert.Equal(1, id);
            index.PutVerifyRun(new VerifyRunRow { Id = id, StartedMs = 1000, Level = "object", Trigger = "command", Status = VerifyRunRow.StatusRunning });
            index.PutVerifyDiff(new VerifyDiffRow(id, 1, "missing", "a.bin", "data/aa/aa/1.x", "its remote copy is missing", null));
            index.PutVerifyRun(new VerifyRunRow { Id = id, StartedMs = 1000, FinishedMs = 3500, Level = "object", Trigger = "command", Status = VerifyRunRow.StatusDifferences, Files = 4, Missing = 1, Orphans = 2 });
            index.PutAlarm(new AlarmRow { Id = index.NewAlarmId(), RaisedMs = 3600, Source = "verify", Run = id, Message = "found 3" });
            index.PutAlarm(new AlarmRow { Id = index.NewAlarmId(), RaisedMs = 3700, Source = "verify", Run = null, Message = "second" });
            index.Flush();
            var run = Assert.Single(index.RecentVerifyRuns(5));
            Assert.Equal((3L, TimeSpan.FromMilliseconds(2500), "differences"), (run.Differences, run.Duration, run.Status));
            Assert.Null(index.LastVerifyRun(VerifyRunRow.StatusClean));
            Assert.Equal("a.bin", Assert.Single(index.VerifyDiffs(id)).Path);
            Assert.Equal([1L, 2], index.Alarms(openOnly: true).Select(a => a.Id));
            index.PutAlarm(index.Alarm(1)! with { AckedMs = 4000, AckedBy = "root" });
            index.Flush();
            Assert.Equal([2L], index.Alarms(openOnly: true).Select(a => a.Id));
        }
        // Ids go on after a reopen: a run or an alarm is never numbered twice.
        using var again = _files.Open();
        Assert.Equal(2, again.NewVerifyRunId());
        Assert.Equal(3, again.NewAlarmId());
        Assert.Equal(2, again.Alarms(openOnly: false).Count);
    }

    [Fact]
    public void The_keys_a_verify_compares_with_the_listing_are_those_of_records_and_queued_deletions()
    {
        using var index = _files.Open();
        index.Upsert(new TierRow { Key = new(1, 1), Record = new() { State = "released", FileId = "f1", ObjectKey = "data/f1/1.a", Checksum = "x", PartSize = 1 } });
        index.Upsert(new TierRow { Key = new(1, 2), Record = new() { State = "none", FileId = "f2", ObjectKey = "data/f2/1.b" } });
        index.EnqueueDelete("data/f3/1.c", 0, "unlinked", "f3");
        index.Flush();
        Assert.Equal(["data/f1/1.a"], index.ReferencedObjectKeys());
        Assert.Equal(["data/f3/1.c"], index.PendingDeleteKeys());
    }
}
