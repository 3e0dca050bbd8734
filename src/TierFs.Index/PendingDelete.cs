namespace TierFs.Index;

/// <summary>
/// A remote object to delete once <see cref="DueMs"/> (unix ms) has passed: the grace period after an
/// unlink. <see cref="Remote"/> names the remote tier it lives on (null: queued before that was
/// recorded); only a mount of that remote deletes it.
/// </summary>
public sealed record PendingDelete(
    string ObjectKey,
    long DueMs,
    string Reason,
    string? FileId,
    int Attempts,
    string? LastError,
    string? Remote = null);
