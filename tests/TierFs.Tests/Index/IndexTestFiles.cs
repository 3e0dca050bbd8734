using Microsoft.Data.Sqlite;
using TierFs.Index;
using TierFs.Records;

namespace TierFs.Tests.Index;

/// <summary>
/// A scratch directory for one test's index file, removed afterwards. Dispose also fails the test
/// if a file in it is still open: every index (and connection) the test opened there must be closed
/// by then, or the directory can get files back after it was removed.
/// </summary>
internal sealed class IndexTestFiles : IDisposable
{
    public IndexTestFiles()
    {
        Dir = Directory.CreateTempSubdirectory("tierfs-index-").FullName;
        // A directory that does not exist yet: Open must create it.
        DbPath = Path.Combine(Dir, "var", "tierfs", "index.db");
    }

    public string Dir { get; }
    public string DbPath { get; }

    /// <summary>Long delay, big batches: nothing is committed until a flush or dispose.</summary>
    public static readonly IndexOptions HoldWrites = new() { MaxDelay = TimeSpan.FromHours(1), MaxBatch = 1_000_000 };

    public TierIndex Open(IndexOptions? options = null) => TierIndex.Open(DbPath, options);

    /// <summary>A plain connection that really closes (no pool), to look at the file beside the API.</summary>
    public static SqliteConnection Raw(string path)
    {
        var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        c.Open();
        return c;
    }

    public static object? Scalar(SqliteConnection c, string sql)
    {
        using var command = c.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    /// <summary>The files in <see cref="Dir"/> (removed ones too) that this process has open.</summary>
    public List<string> OpenFiles()
    {
        var open = new List<string>();
        foreach (var fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            string? target;
            try { target = new FileInfo(fd).LinkTarget; }
            catch (IOException) { continue; } // closed meanwhile
            if (target is not null && target.StartsWith(Dir + "/", StringComparison.Ordinal)) open.Add(target);
        }
        return open;
    }

    public void Dispose()
    {
        var open = OpenFiles();
        Exception? failed = null;
        try { Directory.Delete(Dir, recursive: true); }
        catch (DirectoryNotFoundException) { } // the test removed it
        catch (IOException e) { failed = e; }
        if (open.Count > 0) throw new InvalidOperationException($"the test's index files are still open: {string.Join(", ", open)}");
        if (failed is not null) throw new IOException($"{Dir} could not be removed: {failed.Message}", failed);
    }
}

internal static class SampleRows
{
    /// <summary>A released stub with every column set, the values distinct per inode.</summary>
    public static TierRow Stub(ulong ino, string state = StubRecord.StateReleased, ulong dev = 0x803)
    {
        var id = new Guid((int)ino, 0x1234, 0x5678, [1, 2, 3, 4, 5, 6, 7, 8]).ToString();
        return new TierRow
        {
            Key = new FileKey(dev, ino),
            Record = new StubRecord
            {
                FileId = id,
                State = state,
                Dirty = ino % 3 == 0,
                Flags = (TierFlags)(ino % 4),
                ObjectKey = $"data/{id[..2]}/{id}/1",
                Generation = 1,
                Checksum = "9e107d9d372bb6826bd81d3542a419d6-1",
                Crc32C = "e3069283-1",
                Blake3 = "82878ed8a480ee41775636820e05a934ca5c747223ca64306658ee5982e6c227-1",
                PartSize = 16 << 20,
                Size = 100_000 + (long)ino,
                MtimeNs = 1_700_000_000_123_456_789 + (long)ino,
                AtimeNs = 1_700_000_000_500_000_000 + (long)ino,
                CtimeNs = 1_700_000_001_000_000_000 + (long)ino,
                Pair = "heb",
                ArchivedAtMs = 1_763_700_000_000 + (long)ino,
                ReleasedAtMs = 1_763_700_001_000 + (long)ino,
                Remote = "s3://tier/east/",
                ETag = $"etag-{ino}",
            },
            RecalledAtMs = 0,
            Path = $"proj/dir{ino / 100:D4}/file{ino:D6}.h5",
        };
    }

    /// <summary>The same row with its record changed by <paramref name="change"/>.</summary>
    public static TierRow With(this TierRow row, Func<StubRecord, StubRecord> change) => row with { Record = change(row.Record) };
}
