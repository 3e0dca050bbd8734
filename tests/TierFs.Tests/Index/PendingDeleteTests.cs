using TierFs.Index;

namespace TierFs.Tests.Index;

public class PendingDeleteTests : IDisposable
{
    private readonly IndexTestFiles _files = new();
    private readonly TierIndex _index;

    public PendingDeleteTests() => _index = _files.Open();

    public void Dispose()
    {
        _index.Dispose();
        _files.Dispose();
    }

    [Fact]
    public void Enqueued_deletions_round_trip()
    {
        _index.EnqueueDelete("data/ab/abc/1", 1000, "unlink", "abc");
        _index.EnqueueDelete("data/cd/cde/2", 2000, "overwritten", null);
        _index.Flush();

        Assert.Equal(2, _index.CountPendingDeletes());
        Assert.Equal(
            [new PendingDelete("data/ab/abc/1", 1000, "unlink", "abc", 0, null), new PendingDelete("data/cd/cde/2", 2000, "overwritten", null, 0, null)],
            _index.DueDeletes(5000, 10));
    }

    [Fact]
    public void Due_deletions_come_earliest_first_within_the_limit()
    {
        // Queued out of order; two share a due time (then ordered by key).
        long[] dues = [500, 100, 300, 100, 900, 200];
        for (var i = 0; i < dues.Length; i++) _index.EnqueueDelete($"k{i}", dues[i], "unlink", $"f{i}");
        _index.Flush();

        Assert.Equal(["k1", "k3", "k5"], _index.DueDeletes(1000, 3).Select(d => d.ObjectKey));
        Assert.Equal(["k1", "k3", "k5", "k2"], _index.DueDeletes(300, 10).Select(d => d.ObjectKey)); // due == now is due
        Assert.Empty(_index.DueDeletes(99, 10));
        Assert.Empty(_index.DueDeletes(1000, 0));
        Assert.Equal(6, _index.DueDeletes(long.MaxValue, 100).Count);
    }

    [Fact]
    public void Complete_removes_and_reschedule_counts_attempts()
    {
        _index.EnqueueDelete("a", 100, "unlink", "fa");
        _index.EnqueueDelete("b", 100, "unlink", "fb");
        _index.Flush();

        _index.CompleteDelete("a");
        _index.RescheduleDelete("b", 60_100, "503 Slow Down");
        _index.Flush();
        Assert.Equal(1, _index.CountPendingDeletes());
        Assert.Empty(_index.DueDeletes(60_099, 10));
        Assert.Equal([new PendingDelete("b", 60_100, "unlink", "fb", 1, "503 Slow Down")], _index.DueDeletes(60_100, 10));

        _index.RescheduleDelete("b", 180_100, "timeout");
        _index.Flush();
        Assert.Equal(2, _index.DueDeletes(long.MaxValue, 10).Single().Attempts);

        _index.CompleteDelete("b");
        _index.CompleteDelete("never-queued");
        _index.Flush();
        Assert.Equal(0, _index.CountPendingDeletes());
    }

    [Fact]
    public void Enqueuing_an_object_again_moves_its_due_time_and_keeps_its_history()
    {
        _index.EnqueueDelete("a", 100, "unlink", "fa");
        _index.RescheduleDelete("a", 200, "boom");
        _index.EnqueueDelete("a", 5000, "unlink again", "fa");
        _index.Flush();
        Assert.Equal([new PendingDelete("a", 5000, "unlink again", "fa", 1, "boom")], _index.DueDeletes(long.MaxValue, 10));
    }
}
