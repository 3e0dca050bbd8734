using System.Diagnostics;
using TierFs.Common;
using TierFs.FileSystem;
using TierFs.Index;
using TierFs.Index.Reading;
using TierFs.Posix;
using TierFs.Scan.Live;
using TierFs.Records;

namespace TierFs.Scan;

/// <summary>
/// Keeps a mount's index in step with its backing tree: the mount tells it of every change made
/// through it (<see cref="INamespaceObserver"/>), and about every <see cref="ApplyPeriod"/> the
/// changes collected are looked at again in the tree and written in one batch. Full scans run
/// through <see cref="Scan"/>, never at the same time as a batch: while one runs, changes are
/// collected and applied after it. Thread-safe. Dispose after the mount has stopped serving (its
/// last changes are applied then) and before the index.
/// </summary>
public sealed class IndexKeeper : INamespaceObserver, IDisposable
{
    private const string Source = "index";

    /// <summary>How long changes are collected before a batch applies them: every change is in the index within about twice this.</summary>
    public static readonly TimeSpan ApplyPeriod = TimeSpan.FromMilliseconds(300);

    private readonly TierIndex _index;
    private readonly int _rootFd;
    private readonly ChangeLog _log;
    /// <summary>Held by a batch or a scan: they never write the same rows at once.</summary>
    private readonly Lock _exclusive = new();
    private readonly ManualResetEventSlim _wake = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Thread? _applier;
    private readonly EntryLookup _lookup;
    private INodeDescriptors? _nodes;
    private Thread? _firstScanThread;
    /// <summary>The first scan while it runs: a scan asked for meanwhile waits for it instead of walking the tree again.</summary>
    private volatile SharedScan? _firstScan;
    private long _generation;
    private long _batches;
    private long _linksRead;
    private int _disposed;

    /// <param name="index">The index to keep (outlives the keeper).</param>
    /// <param name="backingRootFd">A descriptor of the backing tree's root (O_PATH is enough), opened before mounting; the keeper uses a duplicate.</param>
    public IndexKeeper(TierIndex index, int backingRootFd)
        : this(index, backingRootFd, ChangeLog.DefaultMaxNames)
    {
    }

    /// <param name="applyInBackground">False: no thread applies batches; a test applies them itself (<see cref="ApplyBatch"/>), exactly when it says.</param>
    internal IndexKeeper(TierIndex index, int backingRootFd, int maxPendingNames, bool applyInBackground = true)
    {
        _index = index;
        _rootFd = Libc.Dup(backingRootFd);
        if (_rootFd < 0) throw new IOException($"cannot duplicate the backing root's descriptor: errno {Libc.Errno()}");
        _log = new ChangeLog(maxPendingNames);
        _lookup = index.OpenEntryLookup();
        var stats = index.EntryStats();
        _generation = stats.LastScan;
        IndexWasEmpty = stats.Entries == 0;
        if (!applyInBackground) return;
        _applier = new Thread(ApplyLoop) { Name = "index-keeper", IsBackground = true };
        _applier.Start();
    }

    /// <summary>The index had no entries when the keeper was made (nothing to keep until a scan).</summary>
    public bool IndexWasEmpty { get; }

    /// <summary>Batches applied so far (tests).</summary>
    internal long Batches => Interlocked.Read(ref _batches);

    /// <summary>Symlinks the batches read back (each moved the link's atime): tests count this keeper's own, not another process's.</summary>
    internal long LinksRead => Interlocked.Read(ref _linksRead);

    /// <summary>
    /// Runs a full incremental scan of the backing tree into the index (see <see cref="Scanner"/>)
    /// and returns its counts. Live changes are not applied while it runs; they are collected and
    /// applied after it. Scans asked for at the same time run one after the other, except while
    /// the mount's first scan runs (<see cref="ScanIfEmpty"/>): that one is waited for and its
    /// result returned, rather than a second pass over the tree right after it. Blocks until done;
    /// a cancelled scan (<see cref="ScanOptions.Cancellation"/>) deletes nothing.
    /// </summary>
    public ScanResult Scan(ScanOptions? options = null)
    {
        options ??= new ScanOptions();
        if (_firstScan is { } first && first.Wait(options) is { } result) return result;
        lock (_exclusive)
        {
            result = new Scanner(_index, options).Scan(_rootFd);
            Interlocked.Exchange(ref _generation, result.Generation);
            return result;
        }
    }

    /// <summary>Callers of <see cref="Scan"/> waiting for the first scan (tests).</summary>
    internal int WaitingForFirstScan => _firstScan?.Waiting ?? 0;

    /// <summary>
    /// When the index had no entries, starts one full scan in the background, so that a fresh
    /// mount has an index without anyone asking; its summary line is logged. It runs on a thread
    /// of its own: on the thread pool it would hold one of the few threads (one per core) that the
    /// index writer's loop and the load's index builds need, for the whole scan.
    /// </summary>
    /// <param name="done">Called after a scan that completed (not after a failed or cancelled one).</param>
    public void ScanIfEmpty(Action? done = null) => ScanIfEmpty(done, null);

    /// <param name="beforeWalk">Runs on the scan's thread before it walks (tests hold the scan there).</param>
    internal void ScanIfEmpty(Action? done, Action? beforeWalk)
    {
        if (!IndexWasEmpty || _firstScanThread is not null) return;
        Log.Info(Source, "the index has no entries yet: scanning the backing tree in the background");
        var shared = new SharedScan();
        _firstScan = shared; // before the thread starts: a scan asked for from now on waits for this one
        _firstScanThread = new Thread(() => FirstScan(shared, done, beforeWalk)) { Name = "first-scan", IsBackground = true };
        _firstScanThread.Start();
    }

    private void FirstScan(SharedScan shared, Action? done, Action? beforeWalk)
    {
        ScanResult? result = null;
        try
        {
            beforeWalk?.Invoke();
            lock (_exclusive)
            {
                result = new Scanner(_index, new ScanOptions { Cancellation = _stopping.Token, Progress = shared.Report }).Scan(_rootFd);
                Interlocked.Exchange(ref _generation, result.Generation);
            }
            Log.Info(Source, $"first scan done: {result}");
        }
        catch (Exception e)
        {
            // On a thread of its own, an exception would end the mount: a failed first scan only leaves the index behind.
            Log.Error(Source, "the first scan failed; run `tierfs scan` to build the index", e);
        }
        finally
        {
            // Cleared first: a scan asked for after this point walks the tree itself.
            _firstScan = null;
            shared.Finish(result is { Cancelled: false } ? result : null);
        }
        if (result is not { Cancelled: false }) return;
        try
        {
            done?.Invoke();
        }
        catch (Exception e)
        {
            Log.Error(Source, "after the first scan", e);
        }
    }

    /// <summary>Applies every change told so far, and waits until it is committed.</summary>
    public void Flush()
    {
        lock (_exclusive) ApplyAll();
    }

    /// <summary>One batch as the loop applies it (tests): what it puts off waits for the next.</summary>
    internal void ApplyBatch()
    {
        lock (_exclusive) ApplyPending();
    }

    /// <summary>
    /// Applies every change told so far, then runs <paramref name="read"/> while no scan or batch
    /// writes: what it reads first (a read transaction pinned by its first query) is a consistent
    /// state of the tree as the index knows it, no row parked by a scan under way.
    /// </summary>
    public T Quiesced<T>(Func<T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        lock (_exclusive)
        {
            ApplyAll();
            return read();
        }
    }

    void INamespaceObserver.Attach(INodeDescriptors nodes) => _nodes = nodes;

    void INamespaceObserver.NameChanged(IObservedNode parent, ReadOnlySpan<byte> name, ReadOnlySpan<byte> linkTarget)
    {
        var wake = _log.AddName(new FileKey(parent.Dev, parent.Ino), name, linkTarget);
        if (parent.ReportChange()) _log.AddNode(parent);
        if (wake) _wake.Set();
    }

    void INamespaceObserver.NodeChanged(IObservedNode node)
    {
        if (_log.AddNode(node)) _wake.Set();
    }

    /// <summary>
    /// The inode was changed by TierFs itself, not through the mount (the engine archived, released
    /// or recalled it: its blocks, its ctime): its rows are looked at again with the next batch.
    /// Only notes it: never blocks, never throws.
    /// </summary>
    public void InodeChanged(FileKey key)
    {
        if (_log.AddKey(key)) _wake.Set();
    }

    private void ApplyLoop()
    {
        var stop = _stopping.Token;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                _wake.Wait(stop);
                _wake.Reset();
                // Collect for a while: a burst of changes is one batch, not one per change.
                stop.WaitHandle.WaitOne(ApplyPeriod);
                bool deferred;
                lock (_exclusive) deferred = ApplyPending();
                if (deferred) _wake.Set();
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>One batch (under the exclusive lock): what was collected is looked at and written, then committed.</summary>
    /// <returns>Whether the batch put names off to the next one (they are in the log again).</returns>
    private bool ApplyPending()
    {
        var changes = _log.Take();
        return !changes.IsEmpty && Apply(changes);
    }

    /// <summary>Everything told so far, names put off included (a caller reads the index right after).</summary>
    private void ApplyAll()
    {
        if (ApplyPending()) ApplyPending();
    }

    private bool Apply(Changes changes)
    {
        if (changes.Overflowed)
        {
            // More names than kept: a scan finds what they named, and more.
            Log.Warn(Source, $"more than {_log.MaxNames} changes waited; rescanning instead");
            RescanLocked();
            return false;
        }
        var clock = Stopwatch.StartNew();
        try
        {
            using var batch = new LiveBatch(_index, _lookup, _nodes, _rootFd, Interlocked.Read(ref _generation));
            batch.Apply(changes);
            _index.Flush();
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _linksRead, batch.LinksRead);
            Log.Debug(Source, $"applied {changes.Names.Count} names, {changes.Nodes.Count} nodes: {batch.Writes} writes, " +
                              $"{batch.Skipped} left for the next scan, {batch.Deferred.Count} for the next batch, in {clock.ElapsedMilliseconds} ms");
            foreach (var name in batch.Deferred) _log.Requeue(name);
            return batch.Deferred.Count > 0;
        }
        catch (Exception e) when (e is IndexException or IOException or InvalidOperationException or Microsoft.Data.Sqlite.SqliteException)
        {
            // The changes are lost to the index: the truth is in the tree, so scan it.
            Log.Error(Source, "applying the mount's changes to the index failed; rescanning", e);
            RescanLocked();
            return false;
        }
    }

    private void RescanLocked()
    {
        try
        {
            var result = new Scanner(_index, new ScanOptions { Cancellation = _stopping.Token }).Scan(_rootFd);
            Interlocked.Exchange(ref _generation, result.Generation);
        }
        catch (Exception e) when (e is IndexException or IOException or InvalidOperationException)
        {
            Log.Error(Source, "the rescan failed; the index stays behind until the next scan", e);
        }
    }

    /// <summary>Stops collecting and applying: what was told is applied and committed first.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _stopping.Cancel();
        _applier?.Join();
        _firstScanThread?.Join();
        lock (_exclusive)
        {
            var pending = _log.Take();
            if (pending.Overflowed) Log.Warn(Source, "too many changes waited at unmount; the next scan catches the index up");
            else if (!pending.IsEmpty) Apply(pending);
        }
        _lookup.Dispose();
        _wake.Dispose();
        _stopping.Dispose();
        Libc.Close(_rootFd);
    }
}
