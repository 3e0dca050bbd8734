using Microsoft.Win32.SafeHandles;

namespace TierFs.West;

/// <summary>
/// The west mount's local cache of verified parts: one file per part in a directory of its own (the
/// state directory's <c>west-cache</c>), at most <see cref="Capacity"/> bytes, the least recently
/// used part dropped first. A part enters only once its fetch verified it; readers of one part share
/// one fetch, and a fetched part is kept until the readers that waited for it have opened it (so for
/// a moment the cache may hold more than its capacity: at most a part per waiting reader). Emptied
/// when the mount starts (what it holds is trusted only while the mount that verified it runs). A
/// part larger than the whole capacity is still served: it stays alone.
/// </summary>
public sealed class PartCache : IDisposable
{
    private sealed class Held(string key, string path, long length)
    {
        public string Key { get; } = key;
        public string Path { get; } = path;
        public long Length { get; } = length;
        /// <summary>Readers that waited for this part's fetch and have not opened it yet: it is not dropped before they do.</summary>
        public int Pins;
    }

    private sealed class Fetch
    {
        public Task Task = Task.CompletedTask;
        public int Waiters;
    }

    private const int MaxAttempts = 5;
    private readonly string _dir;
    private readonly Lock _gate = new();
    private readonly LinkedList<Held> _lru = new(); // most recent first
    private readonly Dictionary<string, LinkedListNode<Held>> _byKey = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Fetch> _fetching = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private long _bytes;

    public PartCache(string directory, long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _dir = directory;
        Capacity = capacity;
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public long Capacity { get; }

    public long Bytes
    {
        get { lock (_gate) return _bytes; }
    }

    public int Count
    {
        get { lock (_gate) return _byKey.Count; }
    }

    public bool Contains(string key)
    {
        lock (_gate) return _byKey.ContainsKey(key);
    }

    /// <summary>
    /// The part <paramref name="key"/>, open for reading (its file may be dropped from the cache
    /// meanwhile; the handle still reads it). When it is not held, <paramref name="fetch"/> writes it
    /// into a new file and must throw unless every byte is verified; its failure is the caller's.
    /// </summary>
    public async Task<SafeFileHandle> OpenAsync(string key, Func<SafeFileHandle, CancellationToken, Task<long>> fetch, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            // A safety net: a waiter's part is pinned until it opens it, so this takes a part dropped behind the cache's back.
            if (attempt > MaxAttempts)
                throw new IOException($"the part cache ({Capacity} bytes) lost this part {MaxAttempts} times before it could be read");
            Task pending;
            lock (_gate)
            {
                if (TryOpen(key, unpin: false) is { } handle) return handle;
                if (!_fetching.TryGetValue(key, out var f)) _fetching[key] = f = Start(key, fetch);
                f.Waiters++;
                pending = f.Task;
            }
            try
            {
                await pending.WaitAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // A reader gone: its pin, on the fetch or on the part it brought, is given back.
                lock (_gate)
                {
                    if (_fetching.TryGetValue(key, out var f) && f.Task == pending) f.Waiters--;
                    else Unpin(key);
                }
                throw;
            }
            lock (_gate)
            {
                if (TryOpen(key, unpin: true) is { } handle) return handle;
            }
        }
    }

    /// <summary>Starts fetching the part unless it is held or on its way (read-ahead); failures are the later reader's to see.</summary>
    public void Prefetch(string key, Func<SafeFileHandle, CancellationToken, Task<long>> fetch)
    {
        lock (_gate)
        {
            if (_byKey.ContainsKey(key) || _fetching.ContainsKey(key) || _stop.IsCancellationRequested) return;
            var f = Start(key, fetch);
            _fetching[key] = f;
            f.Task.ContinueWith(t => _ = t.Exception, TaskScheduler.Default); // observed: the reader that needs it fetches again
        }
    }

    // Under the lock: the part, touched and opened (a reader that waited for it gives back its pin), or null.
    private SafeFileHandle? TryOpen(string key, bool unpin)
    {
        if (!_byKey.TryGetValue(key, out var node)) return null;
        _lru.Remove(node);
        _lru.AddFirst(node);
        SafeFileHandle handle;
        try { handle = File.OpenHandle(node.Value.Path, FileMode.Open, FileAccess.Read); }
        catch (FileNotFoundException)
        {
            Drop(node); // removed behind the cache's back: fetched again
            return null;
        }
        // Opened: the part may go now (the handle still reads it).
        if (unpin) Unpin(key);
        return handle;
    }

    private void Unpin(string key)
    {
        if (!_byKey.TryGetValue(key, out var node) || node.Value.Pins == 0) return;
        node.Value.Pins--;
        if (node.Value.Pins == 0) Evict();
    }

    // Under the lock.
    private Fetch Start(string key, Func<SafeFileHandle, CancellationToken, Task<long>> fetch)
    {
        var f = new Fetch();
        f.Task = FetchAsync(key, f, fetch);
        return f;
    }

    private async Task FetchAsync(string key, Fetch f, Func<SafeFileHandle, CancellationToken, Task<long>> fetch)
    {
        await Task.Yield(); // never under the caller's lock
        var temp = Path.Combine(_dir, $".fetch-{Guid.NewGuid():N}");
        try
        {
            long length;
            // The directory is root's alone (0700): what is in it is ours.
            using (var handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read))
                length = await fetch(handle, _stop.Token).ConfigureAwait(false);
            var path = Path.Combine(_dir, FileName(key));
            lock (_gate)
            {
                File.Move(temp, path, overwrite: true);
                if (_byKey.TryGetValue(key, out var old)) Drop(old);
                // Every reader waiting now holds a pin; none can start waiting once it is in (they find it).
                _byKey[key] = _lru.AddFirst(new Held(key, path, length) { Pins = f.Waiters });
                _fetching.Remove(key);
                _bytes += length;
                Evict();
            }
        }
        catch
        {
            lock (_gate) _fetching.Remove(key);
            try { File.Delete(temp); } catch (IOException) { }
            throw;
        }
    }

    // Under the lock: the least recently used unpinned parts go until the cache fits; the newest stays even alone over it.
    private void Evict()
    {
        for (var node = _lru.Last; _bytes > Capacity && node is not null && node != _lru.First;)
        {
            var before = node.Previous;
            if (node.Value.Pins == 0) Drop(node);
            node = before;
        }
    }

    private void Drop(LinkedListNode<Held> node)
    {
        _lru.Remove(node);
        _byKey.Remove(node.Value.Key);
        _bytes -= node.Value.Length;
        try { File.Delete(node.Value.Path); } catch (IOException) { }
    }

    // Keys name objects and parts; the file name is their hash (no '/' or length to worry about).
    private static string FileName(string key) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)));

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }
}
