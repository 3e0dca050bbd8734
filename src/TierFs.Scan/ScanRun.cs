using System.Diagnostics;
using TierFs.Common;
using TierFs.Index;
using TierFs.Posix;

namespace TierFs.Scan;

/// <summary>One scan: the shared state of its threads, the walk, and the deletions at the end.</summary>
/// <remarks>
/// The code run per entry (here, in the index's statements and in the native calls) is marked
/// AggressiveOptimization: a first scan in a fresh process is over in about the time tiered
/// compilation takes to replace its quick first compilation, so most entries ran unoptimized
/// code (measured: 6-9% of a 200,000-entry scan's time).
/// </remarks>
internal sealed unsafe partial class ScanRun
{
    private const string Source = "scan";

    private readonly TierIndex _index;
    private readonly ScanOptions _options;
    private readonly int _rootFd;
    private readonly ScanCounters _counts = new();
    private readonly MoveTracker _moves = new();
    private readonly Stopwatch _clock = new();
    private readonly WorkQueue<DirWork> _queue;
    private readonly int _threads;
    private long _generation;
    private int _rootDirFd = -1;
    private ulong _rootDev;
    /// <summary>A first scan has nothing to compare with: no rename lookups.</summary>
    private bool _indexWasEmpty;
    /// <summary>No tier rows at all: a file without a record has no row to remove.</summary>
    private bool _tierWasEmpty;

    public ScanRun(TierIndex index, ScanOptions options, int rootFd)
    {
        _index = index;
        _options = options;
        _rootFd = rootFd;
        _threads = Math.Max(1, options.Threads);
        _queue = new WorkQueue<DirWork>(_threads);
    }

    public ScanResult Run()
    {
        _clock.Start();
        var startedAtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        // Commit what is queued first, so the previous state we compare with is complete.
        _index.Flush();
        var before = _index.EntryStats();
        _generation = before.LastScan + 1;
        _indexWasEmpty = before.Entries == 0;
        _tierWasEmpty = before.TierRows == 0;

        _rootDirFd = OpenDirectory(_rootFd, ".");
        if (_rootDirFd < 0) throw new IOException($"cannot read the tree's root directory: errno {Libc.Errno()}");
        // Into an empty index, rows are loaded without the entries' secondary indexes, built after.
        var load = _indexWasEmpty ? _index.BeginEntryLoad() : null;
        try
        {
            using var progress = StartProgress();
            _queue.Add(ScanRoot());
            using var cancel = _options.Cancellation.Register(_queue.Stop);
            var threads = Enumerable.Range(0, _threads).Select(i => new Thread(Work) { Name = $"scan-{i}", IsBackground = true }).ToList();
            foreach (var t in threads) t.Start();
            foreach (var t in threads) t.Join();
        }
        finally
        {
            Libc.Close(_rootDirFd);
            load?.Dispose();
        }

        var cancelled = _options.Cancellation.IsCancellationRequested;
        if (!cancelled) DeleteGone();
        var counts = _counts.Snapshot(_clock.Elapsed);
        _index.RecordScan(new ScanSummary
        {
            Generation = _generation,
            StartedAtMs = startedAtMs,
            FinishedAtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            Entries = counts.Entries,
            New = counts.New,
            Changed = counts.Changed,
            Deleted = counts.Deleted,
            Renamed = counts.Renamed,
            Errors = counts.Errors,
        });
        _index.Flush();
        _options.Progress?.Invoke(counts);
        var result = new ScanResult(_generation, counts, cancelled);
        Log.Info(Source, result.ToString());
        return result;
    }

    private void Work()
    {
        var old = new DirRows();
        while (_queue.TryTake(out var dir))
        {
            try
            {
                ReadDirectory(dir, old);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or Microsoft.Data.Sqlite.SqliteException or IndexException)
            {
                Interlocked.Increment(ref _counts.Errors);
                Log.Error(Source, $"{dir.Path}: {e.Message}");
            }
            finally
            {
                _queue.Done();
            }
        }
    }

    /// <summary>The root's own row (fixed id, no parent), and the first directory to read.</summary>
    private DirWork ScanRoot()
    {
        StatX st;
        var empty = stackalloc byte[1];
        empty[0] = 0;
        if (Libc.Statx(_rootDirFd, empty, Libc.AT_EMPTY_PATH | Libc.AT_SYMLINK_NOFOLLOW, StatX.BasicStats, &st) != 0)
            throw new IOException($"cannot stat the tree's root: errno {Libc.Errno()}");
        _rootDev = st.Dev;
        var row = EntryStat.Row(EntryRow.RootId, 0, "", st, null, _generation);
        var old = _index.GetEntry(EntryRow.RootId);
        Interlocked.Increment(ref _counts.Entries);
        Interlocked.Increment(ref _counts.Directories);
        if (old is null) Count(ref _counts.New);
        else if (!row.SameStat(old)) Count(ref _counts.Changed);
        if (old is null || !row.SameStat(old)) Put(row);
        return new DirWork(EntryRow.RootId, ".", row.Key, IsNew: old is null);
    }

    /// <summary>Rows not seen anywhere in the tree: deleted, with everything below them.</summary>
    private void DeleteGone()
    {
        var gone = _moves.Gone();
        if (gone.Count == 0) return;
        _index.Flush(); // renames out of a deleted directory are committed first: they must survive
        foreach (var id in gone)
        {
            Interlocked.Add(ref _counts.Deleted, _index.CountTree(id));
            _index.DeleteEntryTree(id);
            Interlocked.Increment(ref _counts.Writes);
        }
    }

    private IDisposable? StartProgress()
    {
        if (_options.Progress is not { } progress) return null;
        var every = _options.ProgressInterval;
        return new Timer(_ => progress(_counts.Snapshot(_clock.Elapsed)), null, every, every);
    }

    /// <summary>Opens a directory for reading, without moving its atime (a rescan would see it changed).</summary>
    private static int OpenDirectory(int dirFd, string path)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        const int flags = Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC;
        fixed (byte* p = bytes)
        {
            var fd = Libc.OpenAt(dirFd, p, flags | Libc.O_NOATIME, 0);
            // O_NOATIME is for the owner (or root) only.
            if (fd < 0 && Libc.Errno() == Errno.EPERM) fd = Libc.OpenAt(dirFd, p, flags, 0);
            return fd;
        }
    }

    private void Put(EntryRow row)
    {
        _index.PutEntry(row);
        Interlocked.Increment(ref _counts.Writes);
    }

    private static void Count(ref long counter) => Interlocked.Increment(ref counter);
}
