using System.Text;
using TierFs.Common;
using TierFs.FileSystem;
using TierFs.Posix;
using TierFs.Records;
using TierFs.Tiering.Engine;

namespace TierFs.Host.Adapters;

/// <summary>The overlay's questions about stubs, answered by the tiering engine (the engine decides; this only translates).</summary>
public sealed class EngineGate(TierEngine engine) : IStubGate
{
    private static readonly byte[] PrivatePrefix = Encoding.ASCII.GetBytes(StubXattr.PrivatePrefix);

    public bool MayBeTiered(ulong dev, ulong ino, in StatX st) => engine.MayBeTiered(new FileKey(dev, ino), st);

    public ShownAttributes? Describe(int fd, in StatX st) =>
        engine.ShownAs(fd, new FileKey(st.Dev, st.Ino), st) is { } shown ? new ShownAttributes(shown.NoDataBlocks, shown.CtimeNs, shown.MtimeNs) : null;

    public int MakeLocal(int fd, in StatX st, bool truncatingToZero, in StubOpener opener) =>
        engine.MakeLocal(fd, new FileKey(st.Dev, st.Ino), st, truncatingToZero,
            new Opener(opener.Pid, opener.Uid, opener.Gid, opener.Truncate ? RecallTrigger.Truncate : RecallTrigger.Open));

    public Task<int> MakeLocalLater(int fd, in StatX st, in StubOpener opener, bool streaming) =>
        engine.MakeLocalLater(fd, new FileKey(st.Dev, st.Ino), st, new Opener(opener.Pid, opener.Uid, opener.Gid, RecallTrigger.Open), streaming);

    public Task<int>? ReadRecalling(ulong dev, ulong ino, long offset, int size, Func<int, int> serve) =>
        engine.ReadRecalling(new FileKey(dev, ino), offset, size, serve);

    public bool DataIsLocal(int fd, ulong dev, ulong ino) => engine.DataIsLocal(fd, new FileKey(dev, ino));

    public void DataChanging(int fd, ulong dev, ulong ino) => engine.DataChanging(fd, new FileKey(dev, ino));

    public void MetadataChanged(int fd, in StatX st) => engine.MetadataChanged(fd, new FileKey(st.Dev, st.Ino), st);

    public void Removing(int fd, in StatX st)
    {
        try { engine.RecordFor(fd, new FileKey(st.Dev, st.Ino), st); }
        catch (Exception e) when (e is IOException or CorruptStubException)
        {
            Log.Warn("tier", $"{st.Dev:x}:{st.Ino}: unreadable tier record before removal: {e.Message}");
        }
    }

    public void Unlinked(ulong dev, ulong ino) => engine.Unlinked(new FileKey(dev, ino));

    public bool IsPrivateXattr(ReadOnlySpan<byte> name) => name.StartsWith(PrivatePrefix);
}
