using System.Collections.Concurrent;
using TierFs.Common;
using TierFs.Records;

namespace TierFs.Tiering.Engine;

/// <summary>A transfer under way: which file, what is done to it, how far it is.</summary>
public sealed record TransferView(string Path, string Activity, long Done, long Total)
{
    public int Percent => Total <= 0 ? 100 : (int)Math.Min(100, Done * 100 / Total);

    /// <summary>"archiving 45%".</summary>
    public override string ToString() => $"{Activity} {Percent}%";
}

/// <summary>
/// The transfers the engine has under way, per file, for `tierfs state` and `tierfs status`
/// ("archiving 45%"). The engine adds one when an upload or a commanded recall starts and drops
/// it when it ends; readers get snapshots. Thread-safe.
/// </summary>
public sealed class TransferRegistry
{
    private const string Source = "tier";
    private readonly ConcurrentDictionary<FileKey, Entry> _active = new();

    /// <summary>Starts tracking a transfer; dispose the handle when it ends. Report the bytes done through it.</summary>
    public Handle Begin(FileKey key, string path, string activity, long total)
    {
        var entry = new Entry(path, activity, total);
        _active[key] = entry;
        // Written before the transfer starts and after it ends (debug): the log shows how many overlapped.
        Log.Debug(Source, $"transfer begins: {activity} {path} ({total} bytes)");
        return new Handle(this, key, entry);
    }

    /// <summary>The transfer under way on this inode, if any.</summary>
    public TransferView? For(FileKey key) => _active.TryGetValue(key, out var e) ? e.View() : null;

    /// <summary>Every transfer under way, largest first.</summary>
    public IReadOnlyList<TransferView> Snapshot() =>
        _active.Values.Select(e => e.View()).OrderByDescending(t => t.Total).ThenBy(t => t.Path, StringComparer.Ordinal).ToList();

    internal sealed class Entry(string path, string activity, long total)
    {
        private long _done;
        public string Path => path;
        public string Activity => activity;
        public void Report(long done) => Interlocked.Exchange(ref _done, done);
        public TransferView View() => new(path, activity, Interlocked.Read(ref _done), total);
    }

    /// <summary>One transfer: reports its progress, and ends it when disposed.</summary>
    public sealed class Handle : IProgress<long>, IDisposable
    {
        private readonly TransferRegistry _registry;
        private readonly FileKey _key;
        private readonly Entry _entry;

        internal Handle(TransferRegistry registry, FileKey key, Entry entry) => (_registry, _key, _entry) = (registry, key, entry);

        public void Report(long value) => _entry.Report(value);

        // Only its own entry: a later transfer of the same inode may have replaced it.
        public void Dispose()
        {
            if (((ICollection<KeyValuePair<FileKey, Entry>>)_registry._active).Remove(new(_key, _entry)))
                Log.Debug(Source, $"transfer ends: {_entry.Activity} {_entry.Path}");
        }
    }
}
