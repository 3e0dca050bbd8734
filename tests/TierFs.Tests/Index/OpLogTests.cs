using TierFs.Index;

namespace TierFs.Tests.Index;

public class OpLogTests : IDisposable
{
    private readonly IndexTestFiles _files = new();
    private readonly TierIndex _index;

    public OpLogTests() => _index = _files.Open();

    public void Dispose()
    {
        _index.Dispose();
        _files.Dispose();
    }

    [Fact]
    public void Entries_round_trip_with_ids_in_order()
    {
        var archive = new OpLogEntry { AtMs = 1000, Op = OpLogEntry.OpArchive, Path = "p/a", FileId = "fa", Bytes = 1 << 30, DurationMs = 2500 };
        var recall = new OpLogEntry { AtMs = 2000, Op = OpLogEntry.OpRecall, Path = "p/a", FileId = "fa", Ok = false, Error = "EIO: remote unreachable" };
        var delete = new OpLogEntry { AtMs = 3000, Op = OpLogEntry.OpDelete };
        _index.AppendLog(archive);
        _index.AppendLog(recall);
        _index.AppendLog(delete);
        _index.Flush();

        var log = _index.RecentLog(10);
        var me = _index.NodeName;
        Assert.Equal([archive with { Id = 1, Origin = me, Seq = 1 }, recall with { Id = 2, Origin = me, Seq = 2 }, delete with { Id = 3, Origin = me, Seq = 3 }], log);
    }

    [Fact]
    public void RecentLog_gives_the_newest_n_oldest_first()
    {
        for (var i = 1; i <= 50; i++) _index.AppendLog(new OpLogEntry { AtMs = i, Op = OpLogEntry.OpRelease, Path = $"f{i}" });
        _index.Flush();

        Assert.Equal(["f48", "f49", "f50"], _index.RecentLog(3).Select(e => e.Path));
        Assert.Equal(50, _index.RecentLog(1000).Count);
        Assert.Empty(_index.RecentLog(0));
        Assert.Throws<ArgumentException>(() => _index.AppendLog(new OpLogEntry { AtMs = 1, Op = "" }));
    }
}
