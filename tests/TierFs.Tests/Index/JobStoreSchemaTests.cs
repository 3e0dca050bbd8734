using TierFs.Index;
using TierFs.Records;

namespace TierFs.Tests.Index;

/// <summary>Schema step 9: the retries of an older index re-keyed by file id; jobs running when it was written end as interrupted.</summary>
public class JobStoreSchemaTests
{
    [Fact]
    public void Retries_of_a_version_8_index_are_keyed_by_the_files_id_or_by_the_inode_of_a_file_without_a_record()
    {
        using var files = new IndexTestFiles();
        Directory.CreateDirectory(Path.GetDirectoryName(files.DbPath)!);
        var archived = new FileKey(0x803, 100);
        var resident = new FileKey(0x803, ulong.MaxValue - 1); // stored signed: the id must say what the store compares
        using (var raw = IndexTestFiles.Raw(files.DbPath))
        {
            using var tx = raw.BeginTransaction();
            foreach (var step in TierFs.Index.Schema.Migrations.All.Where(m => m.Version <= 8)) step.Apply(raw, tx);
            using var insert = raw.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText =
                $"INSERT INTO tier (dev, ino, file_id, state) VALUES ({(long)archived.Dev}, {(long)archived.Ino}, 'f00d', 'archived');" +
                $"INSERT INTO retries (dev, ino, mtime, attempts, next_try, last_error) VALUES ({(long)archived.Dev}, {(long)archived.Ino}, 42, 2, 1000, 'remote down');" +
                $"INSERT INTO retries (dev, ino, mtime, attempts, next_try, last_error) VALUES ({(long)resident.Dev}, {unchecked((long)resident.Ino)}, 43, 1, 2000, NULL);" +
                "INSERT INTO jobs (id, run, kind, policy, action, started, status) VALUES (5, 3, 'policy', 'p', 'migrate', 100, 'running');";
            insert.ExecuteNonQuery();
            tx.Commit();
            IndexTestFiles.Scalar(raw, "PRAGMA user_version = 8");
            IndexTestFiles.Scalar(raw, $"PRAGMA application_id = {TierFs.Index.Schema.Migrations.ApplicationId}");
        }

        using var index = files.Open();
        Assert.Equal(TierIndex.CurrentSchemaVersion, index.SchemaVersion);
        Assert.Equal(
            [new RetryRow("f00d", 42, 2, 1000, "remote down"), new RetryRow(JobFileId.ForInode(resident), 43, 1, 2000, null)],
            index.Retries().OrderBy(r => r.MtimeNs));
        // The job an older daemon left running is its dead owner's: handed back at once, interrupted.
        var interrupted = Assert.Single(index.HandBackExpired(nowMs: 200).Jobs);
        Assert.Equal((5L, JobRow.StatusInterrupted, 100L), (interrupted.Id, interrupted.Status, interrupted.FinishedMs));
        Assert.True(index.NextRun("node:1", 300) > 3, "runs continue above the recorded ones");
    }
}
