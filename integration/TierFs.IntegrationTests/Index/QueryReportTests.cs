using System.Security.Cryptography;
using System.Text.Json;
using TierFs.Index;
using TierFs.IntegrationTests.Harness;
using TierFs.Scan;
using static TierFs.IntegrationTests.Tiering.TierHarness;

namespace TierFs.IntegrationTests.Index;

/// <summary>
/// tierfs query and report on a real mount whose index was filled by a scan before mounting,
/// with one file migrated through the mount.
/// </summary>
public class QueryReportTests
{
    private const string Weird = "we,\"ird\".txt";

    private static TestMount MountScannedTree()
    {
        var m = TestMount.Create();
        try
        {
            Directory.CreateDirectory(m.B("proj/sub"));
            Directory.CreateDirectory(m.B("other"));
            File.WriteAllBytes(m.B("proj/a.bin"), Content(1000, 1));
            File.WriteAllBytes(m.B("proj/sub/b.bin"), Content(300_000, 2));
            File.WriteAllBytes(m.B("proj/" + Weird), Content(10, 3));
            File.WriteAllBytes(m.B("other/c.bin"), Content(2000, 4));
            File.WriteAllText(m.B("top.txt"), "hello");
            using (var index = TierIndex.Open(Path.Combine(m.StateDir, "index.db")))
                new Scanner(index).Scan(m.Backing);
            m.Mount();
            return m;
        }
        catch
        {
            m.Dispose();
            throw;
        }
    }

    private static RunResult Query(TestMount m, string sql, string format = "csv") => Tierfs("query", m.MountPoint, sql, "--format", format);

    private static string Csv(TestMount m, string sql)
    {
        var r = Query(m, sql);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Stdout;
    }

    [Fact]
    public void Query_prints_the_tree_as_csv_and_json_and_report_counts_states_owners_directories_and_the_remote_tier()
    {
        using var m = MountScannedTree();

        Assert.Equal(
            "path,size,type\n" +
            "other/c.bin,2000,f\n" +
            "proj/a.bin,1000,f\n" +
            "proj/sub/b.bin,300000,f\n" +
            "\"proj/we,\"\"ird\"\".txt\",10,f\n" +
            "top.txt,5,f\n",
            Csv(m, "SELECT path, size, type FROM files WHERE type = 'f' ORDER BY path"));
        Assert.Equal("p\nproj/sub/b.bin\n", Csv(m, "SELECT path(id) AS p FROM entries WHERE name = 'b.bin'"));

        var json = Query(m, "SELECT path, size, state, NULL AS empty, 0.5 AS half FROM files WHERE path = 'top.txt'", "json");
        Assert.True(json.ExitCode == 0, json.ToString());
        Assert.Equal("[\n{\"path\":\"top.txt\",\"size\":5,\"state\":\"resident\",\"empty\":null,\"half\":0.5}\n]\n", json.Stdout);

        var table = Query(m, "SELECT name, size FROM files WHERE path LIKE 'proj/%' AND type = 'f' ORDER BY size DESC", "table");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Equal(
            "name          size\n" +
            "------------  ------\n" +
            "b.bin         300000\n" +
            "a.bin           1000\n" +
            "we,\"ird\".txt      10\n", table.Stdout);

        Migrate(m.M("proj/sub/b.bin"));
        // The mount journals into the index in batches: wait for the row, bounded.
        Assert.True(Proc.WaitUntil(() => Csv(m, "SELECT state FROM files WHERE name = 'b.bin'") == "state\nreleased\n", TimeSpan.FromSeconds(10)),
            Csv(m, "SELECT * FROM files WHERE name = 'b.bin'"));

        var r = Tierfs("report", m.MountPoint, "--format", "json");
        Assert.True(r.ExitCode == 0, r.ToString());
        using var doc = JsonDocument.Parse(r.Stdout);
        var root = doc.RootElement;
        var states = root.GetProperty("states").EnumerateArray().ToDictionary(
            s => s.GetProperty("state").GetString()!, s => (s.GetProperty("files").GetInt64(), s.GetProperty("bytes").GetInt64()));
        Assert.Equal((4L, 3015L), states["resident"]);
        Assert.Equal((1L, 300_000L), states["released"]);
        Assert.Equal((0L, 0L), states["archived"]);
        Assert.Equal((0L, 0L), states["dirty"]);
        Assert.Equal((0L, 0L), states["lost"]);
        var owner = Assert.Single(root.GetProperty("owners").EnumerateArray());
        Assert.Equal((0L, "root", 5L, 303_015L), (owner.GetProperty("uid").GetInt64(), owner.GetProperty("user").GetString(), owner.GetProperty("files").GetInt64(), owner.GetProperty("bytes").GetInt64()));
        Assert.Equal(["proj 3 301010", "other 1 2000"], root.GetProperty("top_directories").EnumerateArray()
            .Select(d => $"{d.GetProperty("path").GetString()} {d.GetProperty("files").GetInt64()} {d.GetProperty("bytes").GetInt64()}"));
        var remote = Assert.Single(root.GetProperty("remote").EnumerateArray());
        Assert.Equal((1L, 300_000L), (remote.GetProperty("objects").GetInt64(), remote.GetProperty("bytes").GetInt64()));
        Assert.Equal(0, root.GetProperty("pending_deletes").GetProperty("count").GetInt64());
        Assert.Equal(1, root.GetProperty("last_scan").GetProperty("generation").GetInt64());

        var text = Tierfs("report", m.MountPoint);
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains("released      1  293.0 KiB", text.Stdout);
        Assert.Contains("proj", text.Stdout);
    }

    [Theory]
    [InlineData("DELETE FROM tier", "DELETE on tier")]
    [InlineData("SELECT 1; DELETE FROM tier", "second statement")]
    [InlineData("ATTACH DATABASE '/tmp/x.db' AS x", "ATTACH")]
    [InlineData("PRAGMA writable_schema=1", "PRAGMA writable_schema")]
    public void A_refused_statement_exits_2_leaves_the_index_byte_identical_and_the_mount_serving(string sql, string named)
    {
        using var m = MountScannedTree();
        Migrate(m.M("proj/a.bin"));
        // The index has all of the migration once the tier row and the entry (the keeper's batch
        // after the engine's change: the backing file's new ctime) are in.
        var ctime = Px.Stat(m.B("proj/a.bin")).Ctime;
        var settled = $"SELECT count(*) AS n FROM files WHERE path = 'proj/a.bin' AND state = 'released' AND ctime = {ctime.Sec * 1_000_000_000 + ctime.Nsec}";
        Assert.True(Proc.WaitUntil(() => Csv(m, settled) == "n\n1\n", TimeSpan.FromSeconds(10)), Csv(m, "SELECT path, state, ctime FROM files"));
        var before = IndexFiles(m);

        var r = Query(m, sql);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.StartsWith("tierfs: query: refused: ", r.Stderr);
        Assert.Contains(named, r.Stderr);
        Assert.Single(r.Stderr.TrimEnd('\n').Split('\n'));

        Assert.Equal(before, IndexFiles(m));
        Assert.Equal(Content(1000, 1), File.ReadAllBytes(m.M("proj/a.bin"))); // recalled: the daemon serves on
        Assert.Equal("archived", State(m.M("proj/a.bin")));
        Assert.True(m.IsMounted);
    }

    [Fact]
    public void Sql_errors_and_a_path_that_is_not_on_a_mount_exit_2()
    {
        using var m = MountScannedTree();
        var bad = Query(m, "SELECT nope FROM files");
        Assert.Equal(2, bad.ExitCode);
        Assert.Equal("tierfs: query: no such column: nope\n", bad.Stderr);

        var notMount = Tierfs("query", m.Root, "SELECT 1");
        Assert.Equal(2, notMount.ExitCode);
        Assert.Equal($"tierfs: {m.Root}: not on a TierFs mount\n", notMount.Stderr);
        Assert.Equal(2, Tierfs("report", m.Root).ExitCode);
    }

    // The index's files on disk, hashed: the database and its WAL.
    private static string IndexFiles(TestMount m) => string.Join("|", new[] { "index.db", "index.db-wal" }
        .Select(n => Path.Combine(m.StateDir, n))
        .Select(p => File.Exists(p) ? Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(p))) : "none"));
}
