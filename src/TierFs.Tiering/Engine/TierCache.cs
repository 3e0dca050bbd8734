using System.Collections.Concurrent;
using TierFs.Posix;
using TierFs.Records;

namespace TierFs.Tiering.Engine;

/// <summary>
/// The records of tiered files, in memory, so that a stat need not read an xattr: filled from
/// the index at start and kept current by the engine. A miss is not trusted for files that may
/// be stubs (<see cref="StubStore.MayBeStub"/>): their xattr is read.
/// </summary>
public sealed class TierCache
{
    private readonly ConcurrentDictionary<FileKey, StubRecord> _records = new();

    public int Count => _records.Count;

    public bool TryGet(FileKey key, out StubRecord record) => _records.TryGetValue(key, out record!);

    public void Set(FileKey key, StubRecord record) => _records[key] = record;

    public void Remove(FileKey key) => _records.TryRemove(key, out _);
}
