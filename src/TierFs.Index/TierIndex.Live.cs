using TierFs.Index.Reading;

namespace TierFs.Index;

/// <summary>What keeps the namespace current between scans needs beyond the scanner's calls.</summary>
public sealed partial class TierIndex
{
    /// <summary>A reader connection of the caller's own with point lookups of entries (dispose it before the index).</summary>
    public EntryLookup OpenEntryLookup()
    {
        // A WAL reader waits for nobody but a checkpoint's brief lock: the default wait does.
        var connection = OpenOwnConnection(readOnly: true, new IndexOptions().BusyTimeout);
        try
        {
            return new EntryLookup(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }
}
