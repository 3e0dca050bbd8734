namespace TierFs.Scan;

/// <summary>
/// Which old rows were not found where they were (candidates for deletion) and which were found
/// elsewhere (renamed: their row moves, a directory's subtree with it). The threads see the two
/// halves of a rename in either order, so deletions wait for the end of the walk.
/// </summary>
internal sealed class MoveTracker
{
    private readonly Lock _lock = new();
    private readonly HashSet<long> _missing = [];
    private readonly HashSet<long> _claimed = [];

    /// <summary>
    /// The row is not where it was. Runs <paramref name="park"/> (under the lock, so a rename found
    /// meanwhile by another thread cannot be overtaken) unless the row was already claimed.
    /// </summary>
    public void Missing(long id, Action? park = null)
    {
        lock (_lock)
        {
            if (_claimed.Contains(id)) return;
            _missing.Add(id);
            park?.Invoke();
        }
    }

    /// <summary>The row was found under a new parent or name; false if another name claimed it first (a hard link).</summary>
    public bool TryClaim(long id, Action move)
    {
        lock (_lock)
        {
            if (!_claimed.Add(id)) return false;
            _missing.Remove(id);
            move();
            return true;
        }
    }

    /// <summary>The rows gone from the tree, once the walk is over.</summary>
    public IReadOnlyCollection<long> Gone()
    {
        lock (_lock) return [.. _missing];
    }
}
