using TierFs.Index.Writing;

namespace TierFs.Index;

public sealed partial class TierIndex
{
    /// <summary>
    /// For a first scan: if the entries table is empty, its secondary indexes are dropped until the
    /// returned handle is disposed, which builds them again (each with one sort, much cheaper than
    /// keeping them up to date row by row); null if the table has rows. Meanwhile nothing else may
    /// write entries, and readers' queries on entries scan the table. Dispose it in a finally: the
    /// schema is whole again at the end even when the load fails or is cancelled (and a process that
    /// died in between has the indexes rebuilt when the index is next opened).
    /// </summary>
    public IDisposable? BeginEntryLoad() => EntryLoad.Begin(_writer, () => OpenOwnConnection(readOnly: false));
}
