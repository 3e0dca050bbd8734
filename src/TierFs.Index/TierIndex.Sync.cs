using TierFs.Index.Reading;
using TierFs.Index.Writing;

namespace TierFs.Index;

/// <summary>Metadata sync: the cut a publication reads, and what was published (see <see cref="SyncCut"/>).</summary>
public sealed partial class TierIndex
{
    /// <summary>
    /// From now on, note every change of the namespace (committed when this returns). A pair's first
    /// publication arms it before it takes its cut, so that nothing changed after the cut goes unnoted.
    /// </summary>
    public void ArmSync(string pair)
    {
        ArgumentException.ThrowIfNullOrEmpty(pair);
        _writer.Enqueue(new ArmSync(pair));
        _writer.Flush();
    }

    /// <summary>A consistent cut of the namespace as committed now (see <see cref="SyncCut"/>).</summary>
    public SyncCut BeginSyncCut(string pair) => new(OpenOwnConnection(readOnly: true), pair);

    /// <summary>
    /// The generation <paramref name="state"/> describes is published (its pointer written): remember
    /// it, and forget the changes it included. Committed when this returns.
    /// </summary>
    public void RecordSync(SyncState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        _writer.Enqueue(new RecordSync(state));
        _writer.Flush();
    }

    /// <summary>What was last published of the pair (null: never, or the index was rebuilt since).</summary>
    public SyncState? SyncStateOf(string pair)
    {
        using var cut = BeginSyncCut(pair);
        return cut.State;
    }

    /// <summary>Changes noted and not yet published (tests, status).</summary>
    public long PendingSyncChanges(long after)
    {
        using var cut = BeginSyncCut("");
        long n = 0;
        cut.ReadChanged(after, (_, _) => n++);
        return n;
    }
}
