using TierFs.Index.Storage;

namespace TierFs.Tests.Index;

/// <summary>The scanner's statements: values bound and read back exactly, through SQLite's API called directly.</summary>
public class RawStatementTests : IDisposable
{
    private readonly IndexTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void The_direct_calls_reach_the_providers_SQLite()
    {
        using var index = _files.Open();
        // One copy of the library in the process: binds and reads skip the provider's wrappers.
        Assert.True(SqliteDirect.Available);
    }

    [Fact]
    public void Integers_text_and_null_round_trip()
    {
        using (_files.Open()) { } // makes the file (and its directory)
        using var raw = IndexTestFiles.Raw(_files.DbPath);
        using (var create = new RawStatement(raw, "CREATE TABLE t (i INTEGER, s TEXT, n TEXT)")) create.Execute();
        using (var insert = new RawStatement(raw, "INSERT INTO t VALUES (?1, ?2, ?3)"))
        {
            insert.Bind(0, long.MinValue);
            insert.Bind(1, "ünïcode ✓ " + new string('x', 2000)); // longer than the stack buffer too
            insert.Bind(2, (string?)null);
            insert.Execute();
            insert.Bind(0, -1);
            insert.Bind(1, "");
            insert.Bind(2, "n");
            insert.Execute();
        }
        using var select = new RawStatement(raw, "SELECT i, s, n FROM t ORDER BY rowid");
        Assert.True(select.Next());
        Assert.Equal(long.MinValue, select.Long(0));
        Assert.Equal("ünïcode ✓ " + new string('x', 2000), select.Text(1));
        Assert.True(select.IsNull(2));
        Assert.Null(select.Text(2));
        Assert.True(select.Next());
        Assert.Equal(-1, select.Long(0));
        Assert.Equal("", select.Text(1));
        Assert.True(select.Bytes(1).IsEmpty);
        Assert.Equal("n"u8.ToArray(), select.Bytes(2).ToArray());
        Assert.False(select.Next());
        select.Reset();
    }
}
