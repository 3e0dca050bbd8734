using TierFs.Index;
using TierFs.Ops.Verify;

namespace TierFs.Tests.Ops;

/// <summary>A verify run as the operation log keeps it (and the peer node receives it).</summary>
public class VerifyLogEntryTests
{
    private static VerifyRunRow Run(string status, long missing = 0, long orphans = 0, string? message = null) => new()
    {
        Id = 7, StartedMs = 1_000, FinishedMs = 4_500, Level = "object", Trigger = "schedule", Scope = "a/b",
        Files = 10, Objects = 9, Missing = missing, Orphans = orphans, Status = status, Message = message,
    };

    [Fact]
    public void A_clean_run_is_a_successful_verify_entry_with_its_scope_bytes_and_time()
    {
        var line = Verifier.LogEntry(Run(VerifyRunRow.StatusClean), 12_345);
        Assert.Equal(("verify", "a/b", (string?)null, 12_345L, TimeSpan.FromMilliseconds(3_500), (string?)null),
            (line.Op, line.Path, line.FileId, line.Bytes, line.Took, line.Error));
    }

    [Fact]
    public void A_run_with_differences_or_that_failed_is_a_failed_entry_that_says_what()
    {
        var found = Verifier.LogEntry(Run(VerifyRunRow.StatusDifferences, missing: 1, orphans: 2), 0).Error;
        Assert.StartsWith("run 7 (object) found 3 difference(s): 10 files, 9 objects: 1 missing", found);
        Assert.Contains("2 orphans", found);
        Assert.Equal("run 7 (object) error: the remote did not answer",
            Verifier.LogEntry(Run(VerifyRunRow.StatusError, message: "the remote did not answer"), 0).Error);
        Assert.NotNull(Verifier.LogEntry(Run(VerifyRunRow.StatusCancelled, message: "cancelled"), 0).Error);
    }
}
