using System.Collections.Concurrent;
using TierFs.FileSystem;
using TierFs.Posix;

namespace TierFs.Tests.Fakes;

/// <summary>The tiering layer as the overlay asks it, set by the test: which inodes are tiered, what they show, what an open of one returns; every call recorded.</summary>
public sealed class FakeStubGate : IStubGate
{
    public ConcurrentDictionary<(ulong Dev, ulong Ino), bool> Tiered { get; } = new();

    /// <summary>What a tiered file shows (null: its backing stat).</summary>
    public ShownAttributes? Shown { get; set; }

    /// <summary>What MakeLocal returns (0, or a negative errno).</summary>
    public int MakeLocalResult { get; set; }

    public ConcurrentQueue<(ulong Ino, bool TruncatingToZero, int Pid, uint Uid)> MakeLocalCalls { get; } = new();
    public ConcurrentQueue<ulong> DataChangingCalls { get; } = new();
    public ConcurrentQueue<ulong> RemovingCalls { get; } = new();
    public ConcurrentQueue<ulong> UnlinkedCalls { get; } = new();

    public void MarkTiered(in StatX st) => Tiered[(st.Dev, st.Ino)] = true;

    public bool MayBeTiered(ulong dev, ulong ino, in StatX st) => Tiered.ContainsKey((dev, ino));

    public ShownAttributes? Describe(int fd, in StatX st) => Tiered.ContainsKey((st.Dev, st.Ino)) ? Shown : null;

    public int MakeLocal(int fd, in StatX st, bool truncatingToZero, in StubOpener opener)
    {
        MakeLocalCalls.Enqueue((st.Ino, truncatingToZero, opener.Pid, opener.Uid));
        return MakeLocalResult;
    }

    /// <summary>What MakeLocalLater returns; null: MakeLocalResult, at once.</summary>
    public Task<int>? MakeLocalLaterResult { get; set; }

    public Task<int> MakeLocalLater(int fd, in StatX st, in StubOpener opener, bool streaming)
    {
        MakeLocalCalls.Enqueue((st.Ino, false, opener.Pid, opener.Uid));
        return MakeLocalLaterResult ?? Task.FromResult(MakeLocalResult);
    }

    /// <summary>What ReadRecalling returns for a handle opened through a recall (given the offset, size and serve); null: read the file.</summary>
    public Func<long, int, Func<int, int>, Task<int>?>? ReadRecallingResult { get; set; }

    public Task<int>? ReadRecalling(ulong dev, ulong ino, long offset, int size, Func<int, int> serve) => ReadRecallingResult?.Invoke(offset, size, serve);

    /// <summary>A tiered file's data is never all local here (the fake holds no data).</summary>
    public bool DataIsLocal(int fd, ulong dev, ulong ino) => !Tiered.ContainsKey((dev, ino));

    public void DataChanging(int fd, ulong dev, ulong ino) => DataChangingCalls.Enqueue(ino);

    public void MetadataChanged(int fd, in StatX st) { }

    public void Removing(int fd, in StatX st) => RemovingCalls.Enqueue(st.Ino);

    public void Unlinked(ulong dev, ulong ino) => UnlinkedCalls.Enqueue(ino);

    public bool IsPrivateXattr(ReadOnlySpan<byte> name) => name.StartsWith("trusted.tierfs."u8);
}
