namespace TierFs.Index;

/// <summary>A remote object to delete once <see cref="DueMs"/> (unix ms) has passed: the grace period after an unlink.</summary>
public sealed record PendingDelete(
    string ObjectKey,
    long DueMs,
    string Reason,
    string? FileId,
    int Attempts,
    string? LastError);
