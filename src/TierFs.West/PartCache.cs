using Microsoft.Win32.SafeHandles;

namespace TierFs.West;

/// <summary>
/// The west mount's local cache of verified parts: one file per part in a directory of its own (the
/// state directory's <c>west-cache</c>), at most <see cref="Capacity"/> bytes, the least recently
/// used part dropped first. A part enters only once its fetch verified it; two readers of one part
/// share one fetch. Emptied when the mount starts (what it holds is trusted only while the mount
/// that verified it runs). A part larger than the whole capacity is still served: it stays alone.
/// </summary>
public sealed class PartCache : IDisposable
{
    private sealed record Held(string Key, string Path, long Length);

    private readonly string _dir;
    private readonly Lock _gate = new();
    private readonly LinkedList<Held> _lru = new(); // most recent first
    private readonly Dictionary<string, LinkedListNode<Held>> _byKey = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Task> _fetching = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private long _bytes;
    private const int MaxAttempts = 5;

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

    public long Hits => Interlocked.Read(ref _hits);
    public long Fetches => Interlocked.Read(ref _fetches);
    private long _hits;
    private long _fetches;

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
            // Fetched, then dropped before this reader opened it, again and again: more readers at once than the cache holds parts.
            if (attempt > MaxAttempts)
                throw new IOException($"the part cache ({Capacity} bytes) dropped this part {MaxAttempts} times before it could be read: west.cache_size is too small for the readers at once");
            Task pending;
            lock (_gate)
            {
                if (_byKey.TryGetValue(key, out var node))
                {
                    _lru.Remove(node);
                    _lru.AddFirst(node);
                    Interlocked.Increment(ref _hits);
                    try { return File.OpenHandle(node.Value.Path, FileMode.Open, FileAccess.Read); }
                    catch (FileNotFoundException) { Drop(node); } // removed behind the cache: fetched again
                }
                if (!_fetching.TryGetValue(key, out pending!)) _fetching[key] = pending = FetchAsync(key, fetch);
            }
            await pending.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>Starts fetching the part unless it is held or on its way (read-ahead); failures are the later reader's to see.</summary>
    public void Prefetch(string key, Func<SafeFileHandle, CancellationToken, Task<long>> fetch)
    {
        lock (_gate)
        {
            if (_byKey.ContainsKey(key) || _fetching.ContainsKey(key) || _stop.IsCancellationRequested) return;
            var task = FetchAsync(key, fetch);
            _fetching[key] = task;
            task.ContinueWith(t => _ = t.Exception, TaskScheduler.Default); // observed: the reader that needs it fetches again
        }
    }

    private async Task FetchAsync(string key, Func<SafeFileHandle, CancellationToken, Task<long>> fetch)
    {
        await Task.Yield(); // never under the caller's lock
        var temp = Path.Combine(_dir, $".fetch-{Guid.NewGuid():N}");
        try
        {
            long length;
            // The directory is root's alone (0700): what is in it is ours.
            using (var handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read))
                length = await fetch(handle, _stop.Token).ConfigureAwait(false);
            Interlocked.Increment(ref _fetches);
            var path = Path.Combine(_dir, FileName(key));
            lock (_gate)
            {
                File.Move(temp, path, overwrite: true);
                if (_byKey.TryGetValue(key, out var old)) Drop(old);
                _byKey[key] = _lru.AddFirst(new Held(key, path, length));
                _bytes += length;
                // The newest stays even when it alone is more than the capacity.
                while (_bytes > Capacity && _lru.Last is { } last && last != _lru.First) Drop(last);
            }
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw;
        }
        finally
        {
            lock (_gate) _fetching.Remove(key);
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
