using TierFs.Index;
using TierFs.Tests.Index;
using TierFs.Records;

namespace TierFs.Tests.Policies;

/// <summary>An index holding the root and one directory d/, into which the planner's tests put files by name.</summary>
internal sealed class PlannerIndex : IDisposable
{
    public const long Day = 86_400_000_000_000;
    public static readonly long Now = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;

    private readonly IndexTestFiles _files = new();
    private long _nextId = 2;

    public PlannerIndex()
    {
        Index = _files.Open();
        Index.PutEntry(new EntryRow { Id = 1, ParentId = 0, Name = "", Type = EntryRow.TypeDir, Key = new FileKey(1, 1) });
        Index.PutEntry(new EntryRow { Id = 2, ParentId = 1, Name = "d", Type = EntryRow.TypeDir, Key = new FileKey(1, 2) });
    }

    public TierIndex Index { get; }

    public long NextId() => ++_nextId;

    /// <summary>
    /// A file in d/ (ino = its id unless given), old unless times are given, with a tier row when a
    /// state is given (naming <paramref name="remote"/>; a <paramref name="recordSize"/> other than the
    /// file's makes a stub changed behind the mount).
    /// </summary>
    public FileKey File(string name, long size, long ageDays = 60, string? tier = null, bool dirty = false, TierFlags flags = 0,
        ulong ino = 0, long? mtimeNs = null, long? ctimeNs = null, long uid = 1000, string? remote = null, long? recordSize = null)
    {
        var id = NextId();
        var key = new FileKey(1, ino == 0 ? (ulong)id : ino);
        var mtime = mtimeNs ?? Now - ageDays * Day;
        Index.PutEntry(new EntryRow
        {
            Id = id, ParentId = 2, Name = name, Type = EntryRow.TypeFile, Key = key, Nlink = 1, Mode = 0x81a4, Uid = uid,
            Size = size, AtimeNs = Now - ageDays * Day, MtimeNs = mtime, CtimeNs = ctimeNs ?? mtime,
        });
        if (tier is not null || flags != 0)
            Index.Upsert(new TierRow { Key = key, Record = new StubRecord { FileId = $"f{key.Ino}", State = tier ?? StubRecord.StateNone, Dirty = dirty, Flags = flags, Size = recordSize ?? size, MtimeNs = mtime, Remote = remote } });
        return key;
    }

    public void Dispose()
    {
        Index.Dispose();
        _files.Dispose();
    }
}
