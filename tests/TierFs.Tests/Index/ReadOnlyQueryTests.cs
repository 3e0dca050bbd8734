using Microsoft.Data.Sqlite;
using TierFs.Index;
using TierFs.Records;

namespace TierFs.Tests.Index;

/// <summary>tierfs query's guarantee: one statement that only reads runs; anything else is refused and changes nothing.</summary>
public class ReadOnlyQueryTests : IDisposable
{
    private readonly IndexTestFiles _files = new();

    public ReadOnlyQueryTests()
    {
        using var index = _files.Open();
        index.PutEntry(Entry(1, 0, "", EntryRow.TypeDir));
        index.PutEntry(Entry(2, 1, "proj", EntryRow.TypeDir));
        index.PutEntry(Entry(3, 2, "a.h5", EntryRow.TypeFile, 10));
        index.PutEntry(Entry(4, 1, "top.txt", EntryRow.TypeFile, 20));
        index.Upsert(SampleRows.Stub(1003));
        index.EnqueueDelete("data/old/1", 1_000, "unlink", null);
    }

    public void Dispose() => _files.Dispose();

    private static EntryRow Entry(long id, long parent, string name, string type, long size = 0) => new()
    {
        Id = id,
        ParentId = parent,
        Name = name,
        Type = type,
        Key = new FileKey(0x803, (ulong)id + 1000),
        Nlink = 1,
        Mode = type == EntryRow.TypeDir ? 0x41ed : 0x81a4,
        Size = size,
        Scan = 1,
    };

    private static List<object?[]> All(QueryCursor cursor)
    {
        var rows = new List<object?[]>();
        while (cursor.Read()) rows.Add(cursor.Values());
        return rows;
    }

    public static TheoryData<string, string> Refused => new()
    {
        { "ATTACH DATABASE '/tmp/tierfs-attach-test.db' AS other", "ATTACH" },
        { "DETACH DATABASE main", "DETACH" },
        { "PRAGMA writable_schema=1", "PRAGMA writable_schema" },
        { "PRAGMA journal_mode", "PRAGMA journal_mode" },
        { "PRAGMA query_only = OFF", "PRAGMA query_only" },
        { "DELETE FROM tier", "DELETE on tier" },
        { "UPDATE entries SET size = 0", "UPDATE on entries" },
        { "INSERT INTO scans VALUES (9, 0, 0, 0, 0, 0, 0, 0, 0)", "INSERT on scans" },
        { "REPLACE INTO pending_deletes(object_key, due, reason) VALUES ('x', 0, 'y')", "INSERT on pending_deletes" },
        { "CREATE TABLE t(x)", "schema" },
        { "CREATE TEMP TABLE t(x)", "schema" },
        { "CREATE TEMP VIEW v AS SELECT 1", "schema" },
        { "DROP VIEW files", "schema" },
        { "DROP TABLE entries", "schema" },
        { "ALTER TABLE tier ADD COLUMN x", "ALTER TABLE" },
        { "CREATE INDEX i ON entries(size)", "schema" },
        { "WITH x(n) AS (SELECT 1) INSERT INTO scans SELECT n, 0, 0, 0, 0, 0, 0, 0, 0 FROM x", "INSERT on scans" },
        { "WITH x(n) AS (SELECT 1) DELETE FROM tier WHERE dev IN (SELECT n FROM x)", "DELETE on tier" },
        { "SELECT load_extension('/tmp/nothing.so')", "load_extension()" },
        { "BEGIN IMMEDIATE", "transaction" },
        { "SAVEPOINT s", "SAVEPOINT" },
        { "REINDEX", "REINDEX" },
        { "ANALYZE", "schema" },
        { "EXPLAIN DELETE FROM tier", "DELETE on tier" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_statement_that_is_not_a_read_is_refused_by_name_and_changes_nothing(string sql, string named)
    {
        var before = Snapshot();
        using (var reader = ReadOnlyIndex.Open(_files.DbPath))
        {
            var e = Assert.Throws<QueryRefusedException>(() => reader.Query(sql).Dispose());
            Assert.True(e.Message.Contains(named, StringComparison.Ordinal), e.Message);
            Assert.StartsWith("refused: ", e.Message);
            // The connection is still good afterwards.
            using var ok = reader.Query("SELECT count(*) FROM entries");
            Assert.Equal(4L, All(ok).Single()[0]);
        }
        Assert.Equal(before, Snapshot());
        Assert.False(File.Exists("/tmp/tierfs-attach-test.db"));
    }

    [Theory]
    [InlineData("SELECT 1; DELETE FROM tier")]
    [InlineData("SELECT 1; SELECT 2")]
    [InlineData("SELECT 1; -- a comment\n PRAGMA writable_schema=1")]
    [InlineData("SELECT 1;; ;UPDATE entries SET size = 1")]
    public void A_second_statement_is_refused_even_a_harmless_one(string sql)
    {
        var before = Snapshot();
        using (var reader = ReadOnlyIndex.Open(_files.DbPath))
        {
            var e = Assert.Throws<QueryRefusedException>(() => reader.Query(sql).Dispose());
            Assert.Contains("second statement", e.Message);
        }
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public void Vacuum_into_writes_no_file()
    {
        var target = Path.Combine(_files.Dir, "copy.db");
        using var reader = ReadOnlyIndex.Open(_files.DbPath);
        var e = Assert.Throws<QueryRefusedException>(() => reader.Query($"VACUUM INTO '{target}'").Dispose());
        Assert.StartsWith("refused: ", e.Message);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public void The_daemons_reader_connections_refuse_the_same()
    {
        using var index = _files.Open();
        Assert.Throws<QueryRefusedException>(() => index.Query("SELECT 1; DELETE FROM tier"));
        Assert.Throws<QueryRefusedException>(() => index.Query("ATTACH DATABASE ':memory:' AS m"));
        Assert.Throws<QueryRefusedException>(() => index.Query("PRAGMA writable_schema=1"));
        Assert.Equal(1L, index.Query("SELECT count(*) FROM tier").Rows[0][0]);
    }

    [Fact]
    public void Reads_run_with_the_files_view_path_recursive_ctes_and_plain_values()
    {
        using var reader = ReadOnlyIndex.Open(_files.DbPath);
        using (var files = reader.Query("SELECT path, size, state, path(id) FROM files ORDER BY path"))
        {
            Assert.Equal(["path", "size", "state", "path(id)"], files.Columns);
            var rows = All(files);
            Assert.Equal([".", "proj", "proj/a.h5", "top.txt"], rows.Select(r => (string)r[0]!));
            Assert.Equal(rows.Select(r => r[0]), rows.Select(r => r[3]));
            Assert.Equal(10L, rows[2][1]);
        }
        using (var tree = reader.Query("WITH RECURSIVE t(id) AS (SELECT 1 UNION ALL SELECT e.id FROM entries e JOIN t ON e.parent_id = t.id) SELECT count(*) FROM t"))
            Assert.Equal(4L, All(tree).Single()[0]);
        using (var values = reader.Query("SELECT 1, 2.5, 'x', x'00ff', NULL; -- a trailing comment"))
            Assert.Equal(new object?[] { 1L, 2.5, "x", new byte[] { 0, 255 }, null }, All(values).Single());
    }

    [Fact]
    public void Sql_errors_are_sqlite_errors_with_sqlites_message()
    {
        using var reader = ReadOnlyIndex.Open(_files.DbPath);
        var e = Assert.Throws<SqliteException>(() => reader.Query("SELECT nope FROM files").Dispose());
        Assert.IsNotType<QueryRefusedException>(e);
        Assert.Contains("no such column: nope", e.Message);
    }

    [Fact]
    public async Task A_reader_in_the_middle_of_a_result_does_not_hold_up_the_writer()
    {
        using var index = _files.Open();
        using var reader = ReadOnlyIndex.Open(_files.DbPath);
        using var cursor = reader.Query("SELECT name FROM entries ORDER BY id");
        Assert.True(cursor.Read());
        index.PutEntry(Entry(5, 1, "new.txt", EntryRow.TypeFile, 5));
        // Throws TimeoutException if the writer waits for the reader.
        await Task.Run(index.Flush).WaitAsync(TimeSpan.FromSeconds(10));
        // The reader keeps its snapshot: the new row is not in this result.
        var names = new List<string> { (string)cursor.Value(0)! };
        while (cursor.Read()) names.Add((string)cursor.Value(0)!);
        Assert.DoesNotContain("new.txt", names);
    }

    [Fact]
    public void A_missing_file_or_another_programs_database_is_named()
    {
        var missing = Path.Combine(_files.Dir, "none.db");
        Assert.Contains(missing, Assert.Throws<IndexException>(() => ReadOnlyIndex.Open(missing)).Message);
        Assert.False(File.Exists(missing));

        var other = Path.Combine(_files.Dir, "other.db");
        using (var c = IndexTestFiles.Raw(other)) IndexTestFiles.Scalar(c, "CREATE TABLE t(x)");
        var e = Assert.Throws<IndexException>(() => ReadOnlyIndex.Open(other));
        Assert.Contains("not a TierFs index", e.Message);
    }

    // The index as files on disk: the database and its WAL (which a reader may create empty).
    private string Snapshot() => string.Join("|", new[] { "", "-wal" }
        .Select(s => _files.DbPath + s)
        .Select(p => File.Exists(p) && new FileInfo(p).Length > 0 ? Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(p))) : "empty"));

    // Not the memory limit: it is process-wide, and other tests use SQLite in this process (see QueryLimitTests in the integration tests).
    private static readonly QueryLimits Short = new() { Timeout = TimeSpan.FromSeconds(1), MaxMemoryBytes = 0, MaxValueBytes = 1 << 20 };

    [Fact]
    public void A_query_that_never_ends_is_stopped_at_its_timeout_with_one_line()
    {
        using var index = ReadOnlyIndex.Open(_files.DbPath);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        using var cursor = index.Query("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c", Short);
        var e = Assert.Throws<QueryLimitException>(() => cursor.Read());
        Assert.Equal("stopped after 1 s (--timeout)", e.Message);
        Assert.InRange(sw.Elapsed.TotalSeconds, 1, 30);
    }

    [Fact]
    public void Time_spent_writing_rows_out_does_not_count()
    {
        using var index = ReadOnlyIndex.Open(_files.DbPath);
        using var cursor = index.Query("SELECT id FROM entries", Short);
        var rows = 0;
        while (cursor.Read())
        {
            rows++;
            Thread.Sleep(600); // a slow reader of the output: 4 rows, 2.4 s, SQLite's own time a few ms
        }
        Assert.Equal(4, rows);
    }

    [Theory]
    [InlineData("SELECT length(zeroblob(1073741824))")]
    [InlineData("SELECT length(hex(zeroblob(1000000)))")]
    [InlineData("WITH RECURSIVE s(n, v) AS (SELECT 1, 'x' UNION ALL SELECT n + 1, v || v FROM s WHERE n < 40) SELECT n, length(v) FROM s")]
    public void A_value_larger_than_the_limit_fails_with_one_line(string sql)
    {
        using var index = ReadOnlyIndex.Open(_files.DbPath);
        var e = Assert.Throws<QueryLimitException>(() =>
        {
            using var cursor = index.Query(sql, Short);
            while (cursor.Read()) { }
        });
        Assert.Equal("a value would be larger than 1 MiB (string or blob too big)", e.Message);
    }
}
