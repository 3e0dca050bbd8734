using System.Text;
using TierFs.FileSystem;
using TierFs.Fuse;
using TierFs.Posix;
using TierFs.Tiering.Engine;
using TierFs.Records;

namespace TierFs.Host.Adapters;

/// <summary>The overlay's questions about stubs, answered by the tiering engine.</summary>
public sealed class EngineGate : IStubGate
{
    private static readonly byte[] PrivatePrefix = Encoding.ASCII.GetBytes("trusted.tierfs.");

    /// <summary>Set before the mount serves its first request.</summary>
    public TierEngine? Engine { get; set; }

    private TierEngine E => Engine ?? throw new InvalidOperationException("the tiering engine is not ready");

    public bool MayBeTiered(ulong dev, ulong ino, in StatX st) =>
        E.Cache.TryGet(new FileKey(dev, ino), out _) || StubStore.MayBeStub(st);

    public void Describe(int fd, in StatX st, ref FuseAttr attr)
    {
        StubRecord? record;
        try { record = E.RecordFor(fd, new FileKey(st.Dev, st.Ino), st); }
        catch (Exception e) when (e is IOException or CorruptStubException)
        {
            // A record we cannot read: show the file as it is; opening it will refuse (EIO).
            TierFs.Common.Log.Warn("tier", $"{st.Dev:x}:{st.Ino}: unreadable tier record: {e.Message}");
            return;
        }
        if (record is null || !TierCache.ShowsRecordCtime(record, st)) return;
        if (record.IsStub) attr.Blocks = 0; // the blocks left are the filesystem's metadata, not data
        attr.CtimeSec = record.CtimeNs / 1_000_000_000;
        attr.CtimeNsec = record.CtimeNs % 1_000_000_000;
    }

    public int MakeLocal(int fd, in StatX st, bool truncatingToZero, in FuseContext opener) =>
        E.MakeLocal(fd, new FileKey(st.Dev, st.Ino), st, truncatingToZero, new Opener((int)opener.Pid, opener.Uid));

    public void DataChanging(int fd, ulong dev, ulong ino) => E.DataChanging(fd, new FileKey(dev, ino));

    public void MetadataChanged(int fd, in StatX st) => E.MetadataChanged(fd, new FileKey(st.Dev, st.Ino), st);

    public void Removing(int fd, in StatX st)
    {
        try { E.RecordFor(fd, new FileKey(st.Dev, st.Ino), st); }
        catch (Exception e) when (e is IOException or CorruptStubException)
        {
            TierFs.Common.Log.Warn("tier", $"{st.Dev:x}:{st.Ino}: unreadable tier record before removal: {e.Message}");
        }
    }

    public void Unlinked(ulong dev, ulong ino) => E.Unlinked(new FileKey(dev, ino));

    public bool IsPrivateXattr(ReadOnlySpan<byte> name) => name.StartsWith(PrivatePrefix);
}
