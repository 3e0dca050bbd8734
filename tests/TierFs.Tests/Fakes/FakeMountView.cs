using System.Collections.Concurrent;
using TierFs.Records;
using TierFs.Tiering.Engine;

namespace TierFs.Tests.Fakes;

/// <summary>The mount as the engine sees it, set by the test: who has a file open, and the kernel notices the engine sent.</summary>
public sealed class FakeMountView : IMountView
{
    public ConcurrentDictionary<FileKey, int> Handles { get; } = new();
    public ConcurrentDictionary<FileKey, int> Writers { get; } = new();
    public ConcurrentQueue<(FileKey Key, bool Wait)> Invalidated { get; } = new();

    /// <summary>A handle opened through the mount (for writing too when <paramref name="write"/>).</summary>
    public void Open(FileKey key, bool write)
    {
        Handles.AddOrUpdate(key, 1, (_, n) => n + 1);
        if (write) Writers.AddOrUpdate(key, 1, (_, n) => n + 1);
    }

    public int OpenHandles(FileKey key) => Handles.GetValueOrDefault(key);

    public int OpenWriters(FileKey key) => Writers.GetValueOrDefault(key);

    public void Invalidate(FileKey key, bool wait) => Invalidated.Enqueue((key, wait));
}
