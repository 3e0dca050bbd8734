using TierFs.Index;
using TierFs.Records;
using TierFs.Tests.Index;

namespace TierFs.Tests.Peer;

/// <summary>The index's side of the replicated log: origins and sequence numbers, each entry once.</summary>
public class OperationLogTests : IDisposable
{
    private readonly IndexTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static OpLogEntry Entry(string op, string? path = null) => new() { AtMs = 1_000, Op = op, Path = path };

    [Fact]
    public void Local_entries_get_this_nodes_name_and_its_next_sequence_numbers()
    {
        using var index = _files.Open(new IndexOptions { NodeName = "east-a" });
        index.AppendLog(Entry("archive", "a"));
        index.AppendLog(Entry("release", "a"));
        index.UpsertWithLog(SampleRows.Stub(1), Entry("recall", "b"));
        index.Flush();
        Assert.Equal([("east-a", 1L, "archive"), ("east-a", 2L, "release"), ("east-a", 3L, "recall")], index.RecentLog(10).Select(e => (e.Origin, e.Seq, e.Op)));
        Assert.NotNull(index.Get(SampleRows.Stub(1).Key));
        Assert.Equal(new Dictionary<string, long> { ["east-a"] = 3 }, index.LogHighWater());
    }

    [Fact]
    public void A_peers_entries_are_stored_once_however_often_they_arrive_and_keep_their_numbers()
    {
        using var index = _files.Open(new IndexOptions { NodeName = "east-a" });
        var theirs = Enumerable.Range(1, 5).Select(i => Entry("archive", $"f{i}") with { Origin = "east-b", Seq = i }).ToList();
        index.ReceiveLog(theirs[..3]);
        index.ReceiveLog(theirs);      // a lost acknowledgement: sent again
        index.ReceiveLog(theirs[2..]); // and again, partly
        index.AppendLog(Entry("release", "mine"));
        index.Flush();
        Assert.Equal(new Dictionary<string, long> { ["east-a"] = 1, ["east-b"] = 5 }, index.LogHighWater());
        Assert.Equal(6, index.RecentLog(100).Count);
        Assert.Equal(["f4", "f5"], index.LogAfter("east-b", 3, 10).Select(e => e.Path));
        Assert.Throws<ArgumentException>(() => index.ReceiveLog([Entry("x")]));
    }

    [Fact]
    public void Entries_written_before_origins_existed_become_this_nodes_and_keep_their_order()
    {
        using (var raw = IndexTestFiles.Raw(CreatedAt(7)))
        {
            using var insert = raw.CreateCommand();
            insert.CommandText = "INSERT INTO oplog (at, op, path, ok) VALUES (1, 'archive', 'old1', 1), (2, 'release', 'old2', 1)";
            insert.ExecuteNonQuery();
        }
        using var index = _files.Open(new IndexOptions { NodeName = "east-a" });
        index.AppendLog(Entry("recall", "new"));
        index.Flush();
        Assert.Equal([("old1", 1L), ("old2", 2L), ("new", 3L)], index.RecentLog(10).Select(e => (e.Path!, e.Seq)));
        Assert.All(index.RecentLog(10), e => Assert.Equal("east-a", e.Origin));
    }

    /// <summary>An index file made by the schema steps up to <paramref name="version"/> (as an older TierFs left it).</summary>
    private string CreatedAt(int version)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_files.DbPath)!);
        using var raw = IndexTestFiles.Raw(_files.DbPath);
        using (var tx = raw.BeginTransaction())
        {
            foreach (var step in TierFs.Index.Schema.Migrations.All.Where(m => m.Version <= version)) step.Apply(raw, tx);
            tx.Commit();
        }
        IndexTestFiles.Scalar(raw, $"PRAGMA user_version = {version}");
        IndexTestFiles.Scalar(raw, $"PRAGMA application_id = {TierFs.Index.Schema.Migrations.ApplicationId}");
        return _files.DbPath;
    }
}
