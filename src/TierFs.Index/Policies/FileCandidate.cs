using TierFs.Records;
namespace TierFs.Index.Policies;

/// <summary>A file a policy selected: the entry (one name of the inode) and what the index knows of it. Times are unix ns.</summary>
public sealed record FileCandidate
{
    public required long EntryId { get; init; }
    public required FileKey Key { get; init; }
    /// <summary>Relative to the tree's root; null if the entry vanished between selection and path lookup.</summary>
    public string? Path { get; init; }
    public long Size { get; init; }
    /// <summary>resident, dirty, archived or released (the files view's state).</summary>
    public required string State { get; init; }
    public int Flags { get; init; }
    public long AtimeNs { get; init; }
    public long MtimeNs { get; init; }
    public long CtimeNs { get; init; }
    /// <summary>The record's file id; null for a file that never had a record.</summary>
    public string? FileId { get; init; }

    /// <summary>How the daemon's job store names the file (<see cref="JobFileId"/>).</summary>
    public string JobId => JobFileId.Of(FileId, Key);
}
