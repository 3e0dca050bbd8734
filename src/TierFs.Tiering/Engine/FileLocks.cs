using TierFs.Records;
namespace TierFs.Tiering.Engine;

/// <summary>
/// One lock per file, taken by everything that changes a file's tier state (release, recall,
/// the end of an archive) and by opens of stubs, so that a user's open and a migration never
/// interleave. Entries exist only while someone holds or waits for them.
/// </summary>
public sealed class FileLocks
{
    internal sealed class Entry
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        public int Users;
    }

    private readonly Dictionary<FileKey, Entry> _entries = [];

    /// <summary>Waits for the file's lock; false when <paramref name="timeout"/> passed first.</summary>
    public bool TryEnter(FileKey key, TimeSpan timeout, out Releaser releaser)
    {
        var entry = Acquire(key);
        if (entry.Gate.Wait(timeout))
        {
            releaser = new Releaser(this, key, entry);
            return true;
        }
        Drop(key, entry);
        releaser = default;
        return false;
    }

    public async Task<Releaser> EnterAsync(FileKey key, CancellationToken ct)
    {
        var entry = Acquire(key);
        try
        {
            await entry.Gate.WaitAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            Drop(key, entry);
            throw;
        }
        return new Releaser(this, key, entry);
    }

    public int Count
    {
        get { lock (_entries) return _entries.Count; }
    }

    private Entry Acquire(FileKey key)
    {
        lock (_entries)
        {
            if (!_entries.TryGetValue(key, out var e)) _entries[key] = e = new Entry();
            e.Users++;
            return e;
        }
    }

    private void Drop(FileKey key, Entry entry)
    {
        lock (_entries)
            if (--entry.Users == 0) _entries.Remove(key);
    }

    public readonly struct Releaser : IDisposable
    {
        private readonly FileLocks? _owner;
        private readonly FileKey _key;
        private readonly Entry? _entry;

        internal Releaser(FileLocks owner, FileKey key, Entry entry) => (_owner, _key, _entry) = (owner, key, entry);

        public void Dispose()
        {
            if (_owner is null || _entry is null) return;
            _entry.Gate.Release();
            _owner.Drop(_key, _entry);
        }
    }
}
