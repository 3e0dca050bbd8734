using TierFs.Index;
using TierFs.Tiering.Config;
using TierFs.Tiering.Control;
using TierFs.Tiering.Engine;
using TierFs.Records;

namespace TierFs.Daemon;

/// <summary>A file a policy selected from the index; <paramref name="FileId"/> is its record's (null: it never had one).</summary>
public sealed record PolicyCandidate(FileKey Key, string Path, long Size, long MtimeNs, string? FileId = null)
{
    /// <summary>How the job store names it (<see cref="JobFileId"/>).</summary>
    public string Id => JobFileId.Of(FileId, Key);
}

/// <summary>One policy's selection in a run: its files in the policy's order, within its limits.</summary>
public sealed record PlannedPolicy(PolicyConfig Policy, IReadOnlyList<PolicyCandidate> Files)
{
    public long Bytes => Files.Sum(f => f.Size);
}

/// <summary>Selects files from the index (the policies' conditions, the usage release's coldest files).</summary>
public interface IPolicyPlanner
{
    /// <summary>The policies in priority order, each inode claimed by at most one of them; with <paramref name="retryNow"/> files waiting for a retry are taken too.</summary>
    IReadOnlyList<PlannedPolicy> Plan(IReadOnlyList<PolicyConfig> policies, DateTimeOffset now, bool retryNow = false);

    /// <summary>
    /// The files <paramref name="policy"/> matches that the plan does not take (not in
    /// <paramref name="claimed"/>, every policy's selection), grouped by why: younger than
    /// min_age, noarchive/norelease, waiting for a retry, over the policy's limits.
    /// </summary>
    IReadOnlyList<HeldGroup> HeldBack(PolicyConfig policy, IReadOnlySet<FileKey> claimed, DateTimeOffset now, bool retryNow) => [];

    /// <summary>Archived files, coldest first, whose sizes add up to at least <paramref name="bytes"/>.</summary>
    IReadOnlyList<PolicyCandidate> ColdestArchived(long bytes, DateTimeOffset now);
}

/// <summary>Moves one file (the tiering engine) and tells whether the mount has it open.</summary>
public interface IFileMover
{
    Task<PolicyFileResult> MoveAsync(PolicyCandidate file, TierOp op, TimeSpan minAge, IProgress<long>? progress, CancellationToken ct);

    /// <summary>Handles open on the inode through the mount: a user's open wins over a migration.</summary>
    bool InUse(FileKey key);
}

/// <summary>How full the backing filesystem is.</summary>
public interface IUsageProbe
{
    /// <summary>Bytes used and bytes usable in all (used + available to users), as df counts them.</summary>
    (long Used, long Size) Usage();
}

/// <summary>Runs a full incremental scan of the backing tree into the index.</summary>
public interface ITreeScanner
{
    TierFs.Scan.ScanResult Scan(TierFs.Scan.ScanOptions options);
}
