using System.Collections.Concurrent;
using TierFs.Common;
using TierFs.Records;

namespace TierFs.Tiering.Engine;

/// <summary>
/// A transfer under way: which file, what is done to it, how far it is, since when (its bytes' rate),
/// for whom, and for a recall how many callers still wait for it (<see cref="Sharing"/>: the one it is
/// accounted to and every opener or command that joined it, less those that gave up; 0 for an upload).
/// </summary>
public sealed record TransferView(string Path, string Activity, long Done, long Total, DateTimeOffset Since = default, string? By = null, int Sharing = 0)
{
    /// <summary>What a recall waiting for its turn (recall.max_concurrent) shows.</summary>
    public const string Queued = "queued for recall";

    public int Percent => Total <= 0 ? 100 : (int)Math.Min(100, Done * 100 / Total);

    /// <summary>Bytes per second since the transfer started moving bytes (0 before).</summary>
    public double Rate(DateTimeOffset now) => Since == default || now <= Since ? 0 : Done / (now - Since).TotalSeconds;

    /// <summary>The time left at the rate so far, or null when nothing has moved yet.</summary>
    public TimeSpan? Eta(DateTimeOffset now) => Rate(now) is > 0 and var r ? TimeSpan.FromSeconds(Math.Max(0, Total - Done) / r) : null;

    /// <summary>"archiving 45%", "recalling 37%", "queued for recall".</summary>
    public override string ToString() => Activity == Queued ? Activity : $"{Activity} {Percent}%";
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
    /// <param name="sharing">For a recall: how many callers share it now.</param>
    public Handle Begin(FileKey key, string path, string activity, long total, string? by = null, Func<int>? sharing = null)
    {
        var entry = new Entry(path, activity, total, by, sharing);
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

    /// <summary>
    /// Waits until every transfer under way now has ended (those begun later are not waited for),
    /// at most <paramref name="limit"/>; false when some were still under way then.
    /// </summary>
    public async Task<bool> WaitForCurrentAsync(TimeSpan limit, CancellationToken ct)
    {
        var now = _active.ToArray();
        var deadline = DateTime.UtcNow + limit;
        while (now.Any(t => _active.TryGetValue(t.Key, out var e) && ReferenceEquals(e, t.Value)))
        {
            if (DateTime.UtcNow >= deadline) return false;
            await Task.Delay(TimeSpan.FromMilliseconds(50), ct).ConfigureAwait(false);
        }
        return true;
    }

    internal sealed class Entry(string path, string activity, long total, string? by, Func<int>? sharing)
    {
        private long _done;
        public string Path => path;
        public string Activity => _activity;
        private volatile string _activity = activity;
        // Ticks of the moment bytes started to move (a queued recall has not yet).
        private long _since = activity == TransferView.Queued ? 0 : DateTimeOffset.UtcNow.UtcTicks;
        public void Report(long done) => Interlocked.Exchange(ref _done, done);

        public void Start(string activity)
        {
            _activity = activity;
            Interlocked.Exchange(ref _since, DateTimeOffset.UtcNow.UtcTicks);
        }

        public long Done => Interlocked.Read(ref _done);

        public TransferView View()
        {
            var since = Interlocked.Read(ref _since);
            return new(path, _activity, Interlocked.Read(ref _done), total, since == 0 ? default : new DateTimeOffset(since, TimeSpan.Zero), by,
                sharing?.Invoke() ?? 0);
        }
    }

    /// <summary>One transfer: reports its progress, and ends it when disposed.</summary>
    public sealed class Handle : IProgress<long>, IDisposable
    {
        private readonly TransferRegistry _registry;
        private readonly FileKey _key;
        private readonly Entry _entry;

        internal Handle(TransferRegistry registry, FileKey key, Entry entry) => (_registry, _key, _entry) = (registry, key, entry);

        public void Report(long value) => _entry.Report(value);

        /// <summary>Bytes start to move now (a queued recall got its turn): the rate counts from here.</summary>
        public void Start(string activity) => _entry.Start(activity);

        /// <summary>The bytes reported so far.</summary>
        public long Done => _entry.Done;

        // Only its own entry: a later transfer of the same inode may have replaced it.
        public void Dispose()
        {
            if (((ICollection<KeyValuePair<FileKey, Entry>>)_registry._active).Remove(new(_key, _entry)))
                Log.Debug(Source, $"transfer ends: {_entry.Activity} {_entry.Path}");
        }
    }
}
