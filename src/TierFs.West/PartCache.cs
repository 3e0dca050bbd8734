using Microsoft.Win32.SafeHandles;

namespace TierFs.West;

/// <summary>
/// The west mount's cache of verified parts, in two layers. Memory: a part up to
/// <see cref="MaxMemoryPart"/> is fetched into a pooled buffer and served from it, at most
/// <see cref="MemoryCapacity"/> bytes of them; the least recently used leaves memory first, and it is
/// written to disk only if not all its bytes were handed out (a part read whole is in the kernel's page
/// cache already: writing it to disk would cost a sequential reader a second copy of every byte).
/// Disk: one file per part in a directory of its own (the state directory's <c>west-cache</c>), at most
/// <see cref="Capacity"/> bytes, the least recently used dropped first; a larger part, or every part
/// when the memory layer is off, is fetched straight into its file.
/// A part enters only once its fetch verified it; readers of one part share one fetch, and a fetched
/// part is kept until the readers that waited for it have opened it (so for a moment a layer may hold
/// more than its capacity: at most a part per waiting reader). Emptied when the mount starts (what it
/// holds is trusted only while the mount that verified it runs). A part larger than a layer's whole
/// capacity is still served: it stays alone.
/// </summary>
public sealed class PartCache : IDisposable
{
    /// <summary>Parts larger than this go straight to disk, whatever the memory layer holds.</summary>
    public const long MaxMemoryPart = 64L << 20;

    private sealed class Held(string key, long length)
    {
        public string Key { get; } = key;
        public long Length { get; } = length;
        /// <summary>On disk (counted in the disk layer) when set.</summary>
        public string? Path;
        public LinkedListNode<Held>? OnDisk;
        /// <summary>In memory (counted in the memory layer) when set.</summary>
        public PartBuffer? Memory;
        public LinkedListNode<Held>? InMemory;
        /// <summary>Bytes handed out from memory.</summary>
        public long Served;
        /// <summary>Being written to disk on its way out of memory.</summary>
        public bool Spilling;
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
    private readonly LinkedList<Held> _disk = new(); // most recent first
    private readonly LinkedList<Held> _memory = new(); // most recent first
    private readonly Dictionary<string, Held> _byKey = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Fetch> _fetching = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private long _bytes;
    private long _memoryBytes;
    private long _spillingBytes; // of _memoryBytes, on their way to disk

    /// <param name="capacity">Bytes of parts on disk.</param>
    /// <param name="memoryCapacity">Bytes of parts in memory (0: every part goes to disk).</param>
    public PartCache(string directory, long capacity, long memoryCapacity = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(memoryCapacity);
        _dir = directory;
        Capacity = capacity;
        MemoryCapacity = memoryCapacity;
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public long Capacity { get; }

    public long MemoryCapacity { get; }

    /// <summary>Bytes of parts on disk.</summary>
    public long Bytes
    {
        get { lock (_gate) return _bytes; }
    }

    /// <summary>Bytes of parts in memory.</summary>
    public long MemoryBytes
    {
        get { lock (_gate) return _memoryBytes; }
    }

    public int Count
    {
        get { lock (_gate) return _byKey.Count; }
    }

    public bool Contains(string key)
    {
        lock (_gate) return _byKey.ContainsKey(key);
    }

    /// <summary>True when the part is held in memory.</summary>
    public bool InMemory(string key)
    {
        lock (_gate) return _byKey.TryGetValue(key, out var h) && h.Memory is not null;
    }

    /// <summary>
    /// The part <paramref name="key"/>, open for reading (the cache may drop it meanwhile; the hold
    /// still reads it). When it is not held, <paramref name="source"/> fetches it; its failure is the caller's.
    /// </summary>
    public async Task<CachedPart> OpenAsync(string key, PartSource source, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            // A safety net: a waiter's part is pinned until it opens it, so this takes a part dropped behind the cache's back.
            if (attempt > MaxAttempts)
                throw new IOException($"the part cache ({Capacity} bytes) lost this part {MaxAttempts} times before it could be read");
            Task pending;
            lock (_gate)
            {
                if (TryOpen(key, unpin: false) is { } part) return part;
                if (!_fetching.TryGetValue(key, out var f)) _fetching[key] = f = Start(key, source);
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
                if (TryOpen(key, unpin: true) is { } part) return part;
            }
        }
    }

    /// <summary>Starts fetching the part unless it is held or on its way (read-ahead); failures are the later reader's to see.</summary>
    public void Prefetch(string key, PartSource source)
    {
        lock (_gate)
        {
            if (_byKey.ContainsKey(key) || _fetching.ContainsKey(key) || _stop.IsCancellationRequested) return;
            var f = Start(key, source);
            _fetching[key] = f;
            f.Task.ContinueWith(t => _ = t.Exception, TaskScheduler.Default); // observed: the reader that needs it fetches again
        }
    }

    // Under the lock: the part, touched and opened (a reader that waited for it gives back its pin), or null.
    private CachedPart? TryOpen(string key, bool unpin)
    {
        if (!_byKey.TryGetValue(key, out var held)) return null;
        Touch(_memory, held.InMemory);
        Touch(_disk, held.OnDisk);
        CachedPart part;
        if (held.Memory is { } memory)
        {
            part = new CachedPart(memory.AddRef(), n => Interlocked.Add(ref held.Served, n));
        }
        else
        {
            try { part = new CachedPart(File.OpenHandle(held.Path!, FileMode.Open, FileAccess.Read)); }
            catch (FileNotFoundException)
            {
                DropFromDisk(held); // removed behind the cache's back: fetched again
                return null;
            }
        }
        // Opened: the part may go now (the hold still reads it).
        if (unpin) Unpin(key);
        return part;
    }

    private static void Touch(LinkedList<Held> list, LinkedListNode<Held>? node)
    {
        if (node is null) return;
        list.Remove(node);
        list.AddFirst(node);
    }

    private void Unpin(string key)
    {
        if (!_byKey.TryGetValue(key, out var held) || held.Pins == 0) return;
        held.Pins--;
        if (held.Pins != 0) return;
        EvictMemory();
        EvictDisk();
    }

    // Under the lock.
    private Fetch Start(string key, PartSource source)
    {
        var f = new Fetch();
        f.Task = source.Length <= MaxMemoryPart && source.Length <= MemoryCapacity
            ? FetchIntoMemoryAsync(key, f, source)
            : FetchIntoFileAsync(key, f, source);
        return f;
    }

    private async Task FetchIntoMemoryAsync(string key, Fetch f, PartSource source)
    {
        await Task.Yield(); // never under the caller's lock
        var buffer = new PartBuffer((int)source.Length);
        try
        {
            await source.IntoMemory(buffer.Array.AsMemory(0, buffer.Length), _stop.Token).ConfigureAwait(false);
            lock (_gate)
            {
                if (_byKey.TryGetValue(key, out var old)) DropAll(old);
                // Every reader waiting now holds a pin; none can start waiting once it is in (they find it).
                var held = new Held(key, source.Length) { Memory = buffer, Pins = f.Waiters };
                held.InMemory = _memory.AddFirst(held);
                _byKey[key] = held;
                _fetching.Remove(key);
                _memoryBytes += held.Length;
                EvictMemory();
            }
        }
        catch
        {
            lock (_gate) _fetching.Remove(key);
            buffer.Release();
            throw;
        }
    }

    private async Task FetchIntoFileAsync(string key, Fetch f, PartSource source)
    {
        await Task.Yield(); // never under the caller's lock
        var temp = NewTemp();
        try
        {
            // The directory is root's alone (0700): what is in it is ours.
            using (var handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read))
                await source.IntoFile(handle, _stop.Token).ConfigureAwait(false);
            lock (_gate)
            {
                if (_byKey.TryGetValue(key, out var old)) DropAll(old);
                var held = new Held(key, source.Length) { Pins = f.Waiters };
                PutOnDisk(held, temp);
                _byKey[key] = held;
                _fetching.Remove(key);
                EvictDisk();
            }
        }
        catch
        {
            lock (_gate) _fetching.Remove(key);
            try { File.Delete(temp); } catch (IOException) { }
            throw;
        }
    }

    private string NewTemp() => Path.Combine(_dir, $".fetch-{Guid.NewGuid():N}");

    // Under the lock: a part's file moved into place and counted.
    private void PutOnDisk(Held held, string temp)
    {
        var path = Path.Combine(_dir, FileName(held.Key));
        File.Move(temp, path, overwrite: true);
        held.Path = path;
        held.OnDisk = _disk.AddFirst(held);
        _bytes += held.Length;
    }

    // Under the lock: the least recently used unpinned parts leave memory until it fits (the newest
    // stays even alone over it): dropped when every byte was handed out, else written to disk first.
    private void EvictMemory()
    {
        for (var node = _memory.Last; _memoryBytes - _spillingBytes > MemoryCapacity && node is not null && node != _memory.First;)
        {
            var before = node.Previous;
            var held = node.Value;
            if (held.Pins == 0 && !held.Spilling)
            {
                if (held.Path is not null || Interlocked.Read(ref held.Served) >= held.Length) DropFromMemory(held);
                else Spill(held);
            }
            node = before;
        }
    }

    // Under the lock: a copy of the part goes to disk; it leaves memory once the copy is in place.
    // Until then it is still served from memory and counted there (a layer may overshoot by the
    // parts being written).
    private void Spill(Held held)
    {
        held.Spilling = true;
        _spillingBytes += held.Length;
        var buffer = held.Memory!.AddRef();
        _ = Task.Run(async () =>
        {
            var temp = NewTemp();
            try
            {
                using (var handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read))
                    await RandomAccess.WriteAsync(handle, buffer.Array.AsMemory(0, buffer.Length), 0, _stop.Token).ConfigureAwait(false);
                lock (_gate)
                {
                    Spilled(held);
                    if (held.Memory is null) // dropped meanwhile
                    {
                        File.Delete(temp);
                        return;
                    }
                    PutOnDisk(held, temp);
                    DropFromMemory(held);
                    EvictDisk();
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or OperationCanceledException or ObjectDisposedException)
            {
                // No room on disk (or the mount going away): the part is dropped, fetched again if read again.
                try { File.Delete(temp); } catch (IOException) { }
                lock (_gate)
                {
                    Spilled(held);
                    if (held.Memory is not null) DropFromMemory(held);
                }
            }
            finally
            {
                buffer.Release();
            }
        });
    }

    private void Spilled(Held held)
    {
        held.Spilling = false;
        _spillingBytes -= held.Length;
    }

    // Under the lock: the least recently used unpinned parts leave the disk until it fits; the newest stays even alone over it.
    private void EvictDisk()
    {
        for (var node = _disk.Last; _bytes > Capacity && node is not null && node != _disk.First;)
        {
            var before = node.Previous;
            if (node.Value.Pins == 0) DropFromDisk(node.Value);
            node = before;
        }
    }

    private void DropFromMemory(Held held)
    {
        if (held.Memory is null) return;
        _memory.Remove(held.InMemory!);
        held.InMemory = null;
        held.Memory.Release();
        held.Memory = null;
        _memoryBytes -= held.Length;
        Forget(held);
    }

    private void DropFromDisk(Held held)
    {
        if (held.Path is null) return;
        _disk.Remove(held.OnDisk!);
        held.OnDisk = null;
        try { File.Delete(held.Path); } catch (IOException) { }
        held.Path = null;
        _bytes -= held.Length;
        Forget(held);
    }

    private void DropAll(Held held)
    {
        DropFromMemory(held);
        DropFromDisk(held);
    }

    // A part held nowhere any more is not held.
    private void Forget(Held held)
    {
        if (held.Memory is null && held.Path is null && _byKey.TryGetValue(held.Key, out var h) && h == held) _byKey.Remove(held.Key);
    }

    // Keys name objects and parts; the file name is their hash (no '/' or length to worry about).
    private static string FileName(string key) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)));

    public void Dispose()
    {
        _stop.Cancel();
        lock (_gate)
            foreach (var held in _byKey.Values.ToList()) DropFromMemory(held);
        _stop.Dispose();
    }
}
