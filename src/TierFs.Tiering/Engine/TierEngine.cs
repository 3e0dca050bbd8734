using TierFs.Common;
using TierFs.Posix;
using TierFs.Remote;
using TierFs.Tiering.Config;
using TierFs.Tiering.Movers;
using TierFs.Records;

namespace TierFs.Tiering.Engine;

/// <summary>
/// Forward and reverse migration of the files under one mount. The mount calls the data-path
/// methods (is this a stub? make it local before an open); `tierfs` commands arrive through
/// <see cref="RunAsync"/>. Every state change happens under the file's lock, and the record in
/// the file's xattr is written before the data it describes is dropped.
/// </summary>
public sealed partial class TierEngine : IDisposable
{
    private const string Source = "tier";

    private readonly int _rootFd;
    private readonly ConfigHolder _configs;
    // The configuration in force: a reload replaces it (delete grace; never the remote tier's identity).
    private TierFsConfig _config => _configs.Current;
    private readonly IRemoteStore _remote;
    private RecallStreams Streams { get; } = new();
    private readonly IMountView _mount;
    private readonly ITierJournal _journal;
    private readonly FileLocks _locks = new();
    private readonly InFlightRecalls _recalls = new();

    /// <summary>The recalls running and waiting for their turn (recall.max_concurrent, recall.max_queued).</summary>
    public RecallSlots RecallQueue { get; }

    private readonly RefusalLog _refusals = new(Source);
    private readonly string _remoteId;

    // The last path a command named each tiered file by: the mount itself knows only inodes,
    // and a log line about a recall should say which file it was.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<FileKey, string> _paths = new();

    /// <summary>The path given (remembered for later), else the last one known, else null.</summary>
    private string? KnownPath(FileKey key, string? path)
    {
        if (path is not null)
        {
            _paths[key] = path;
            return path;
        }
        return _paths.TryGetValue(key, out var known) ? known : null;
    }

    private string NameOf(FileKey key, string? path) => KnownPath(key, path) ?? $"inode {key}";

    /// <param name="rootFd">An O_PATH descriptor of the backing root; the engine keeps its own duplicate.</param>
    public TierEngine(int rootFd, TierFsConfig config, IRemoteStore remote, IMountView mount, ITierJournal journal)
        : this(rootFd, new ConfigHolder(config), remote, mount, journal)
    {
    }

    /// <param name="movers">The mount's one pool of movers, shared with the daemon's jobs (default: a pool of its own, `schedule.workers`).</param>
    public TierEngine(int rootFd, ConfigHolder config, IRemoteStore remote, IMountView mount, ITierJournal journal, MoverPool? movers = null)
    {
        _rootFd = Libc.Dup(rootFd);
        if (_rootFd < 0) throw new IOException($"cannot duplicate the backing root descriptor: errno {Libc.Errno()}");
        _configs = config;
        RecallQueue = new RecallSlots(() => _config.Recall.MaxConcurrent, () => _config.Recall.MaxQueued);
        _remote = remote;
        _mount = mount;
        _journal = journal;
        _remoteId = remote.Identity;
        Movers = movers ?? new MoverPool(config);
        var interrupted = new List<(FileKey, StubRecord, string?)>();
        foreach (var (key, record, path) in journal.Load())
        {
            Cache.Set(key, record);
            if (path is not null) _paths[key] = path;
            if (record.Recalling) interrupted.Add((key, record, path));
        }
        foreach (var (key, record, path) in interrupted) RepairInterruptedRecall(key, record, path);
        Log.Info(Source, $"remote tier {remote.Description}; {Cache.Count} tiered files known from the index" +
                         (_config.Pair is { } p ? $"; pair {p.Name} ({p.RemoteRole.ToString().ToLowerInvariant()})" : "; no pair"));
    }

    public TierCache Cache { get; } = new();

    /// <summary>Uploads and commanded recalls under way, per file (`tierfs state`, `tierfs status`).</summary>
    public TransferRegistry Transfers { get; } = new();

    /// <summary>The workers a command's files are moved by, shared with the daemon's jobs.</summary>
    public MoverPool Movers { get; }

    public void Dispose() => Libc.Close(_rootFd);

    private static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static long NowNs() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;

    /// <summary>Cheap: whether the file may be tiered (its record is cached, or it is a regular file with unallocated bytes).</summary>
    public bool MayBeTiered(FileKey key, in StatX st) => Cache.TryGet(key, out _) || StubStore.MayBeStub(st);

    /// <summary>
    /// How the mount shows a file <see cref="MayBeTiered"/> said yes to (the record's rule, see
    /// <see cref="StubRecord.ShowsRecordCtime"/>): no data blocks for a stub and the record's ctime;
    /// a stub's mtime is the record's too, also while a recall's writes move the backing one; or
    /// null to show the backing stat. Reads the xattr when the record is not cached, without a
    /// second probe. A record that cannot be read shows the file as it is (opening it refuses).
    /// </summary>
    public (bool NoDataBlocks, long CtimeNs, long? MtimeNs)? ShownAs(int pathFd, FileKey key, in StatX st)
    {
        StubRecord? record;
        try
        {
            if (!Cache.TryGet(key, out var cached))
            {
                cached = StubStore.Read(pathFd);
                if (cached is not null) Cache.Set(key, cached);
            }
            record = cached;
        }
        catch (Exception e) when (e is IOException or CorruptStubException)
        {
            Log.Warn(Source, $"{key}: unreadable tier record: {e.Message}");
            return null;
        }
        if (record is null || !record.ShowsRecordCtime((long)st.Size, StubStore.Ns(st.Mtime))) return null;
        return (record.IsStub, record.CtimeNs, record.IsStub ? record.MtimeNs : null);
    }

    /// <summary>
    /// The record of a file the mount is about to describe, or null for a file TierFs never
    /// touched. Reads the xattr only for files that may be stubs and are not cached.
    /// </summary>
    public StubRecord? RecordFor(int pathFd, FileKey key, in StatX st)
    {
        if (Cache.TryGet(key, out var cached)) return cached;
        if (!StubStore.MayBeStub(st)) return null;
        var record = StubStore.Read(pathFd);
        if (record is not null) Cache.Set(key, record);
        return record;
    }

    /// <summary>
    /// Before an open (or a truncate) of a file: if it is a stub, bring its data back (or, when
    /// the caller truncates it to zero anyway, just drop the stub). Blocks until done; callers that
    /// come while a recall of the file runs wait for that recall and share its outcome.
    /// Returns 0 or a negative errno (EIO when the data cannot be had; the stub stays intact).
    /// </summary>
    public int MakeLocal(int pathFd, FileKey key, in StatX st, bool truncatingToZero, Opener? opener = null)
    {
        var cachedStub = Cache.TryGet(key, out var cached) && cached.IsStub;
        if (!cachedStub && !StubStore.MayBeStub(st)) return 0;
        if (!truncatingToZero) return Recall(pathFd, key, opener);

        _locks.TryEnter(key, Timeout.InfiniteTimeSpan, out var held);
        using (held)
        {
            StubRecord? record;
            try { record = StubStore.Read(pathFd); }
            catch (Exception e) when (e is IOException or CorruptStubException)
            {
                Log.Error(Source, $"{key}: cannot read its tier record, refusing access", e);
                return -Errno.EIO;
            }
            if (record is null)
            {
                Cache.Remove(key);
                return 0;
            }
            Cache.Set(key, record);
            return record.IsStub ? DropStub(pathFd, key, record) : 0;
        }
    }

    /// <summary>
    /// An open (or a truncate to a non-zero size) needs the data of a file that may be a stub. A
    /// caller the recall rules refuse gets EPERM (and nothing is recalled); when the recall queue is
    /// full, EAGAIN; when the data cannot be had, EIO.
    /// </summary>
    private int Recall(int pathFd, FileKey key, Opener? opener) => StartRecall(pathFd, key, opener, streaming: false).GetAwaiter().GetResult();

    /// <summary>
    /// <see cref="MakeLocal"/> for an open that can be answered later (not truncating): the calling
    /// thread returns at once (the rules are asked and the recall queued on it; the recall runs on
    /// the thread pool), so that a FUSE thread is not held while a stub's data comes back. The task's
    /// result is 0 or a negative errno, as MakeLocal's. With <paramref name="streaming"/> (a read-only
    /// open), it completes as soon as the recall serves reads part by part (<see cref="ReadRecalling"/>).
    /// </summary>
    public Task<int> MakeLocalLater(int pathFd, FileKey key, in StatX st, Opener? opener = null, bool streaming = false)
    {
        var cachedStub = Cache.TryGet(key, out var cached) && cached.IsStub;
        if (!cachedStub && !StubStore.MayBeStub(st)) return Task.FromResult(0);
        // Nearly every file looks like a stub by its blocks. A reader of one the engine has no record
        // of (most): its xattr says, read here, with no lock nor thread hop. Safe without the file's
        // lock: the caller counted its open before this, and a release looks at the opens again after
        // the record and the cache say released, before it drops the data (ReleaseAsync). Writers
        // still take the lock: an archive under way must see them (it checks for writers under it).
        if (streaming && cached is null && !IsStub(pathFd, key)) return Task.FromResult(0);
        return StartRecall(pathFd, key, opener, streaming);
    }

    /// <summary>The recall rules, then the recall (started or joined): its outcome as 0 or a negative errno.</summary>
    private Task<int> StartRecall(int pathFd, FileKey key, Opener? opener, bool streaming)
    {
        var cause = opener?.Cause() ?? new RecallCause(RecallTrigger.Open, Environment.ProcessId, 0, 0);
        // The rules are asked first (no rules: nothing read), the record only for a caller they refuse.
        if (RecallAdmission.Refuses(_config.Recall, cause) is { } why && IsStub(pathFd, key))
        {
            _refusals.Refused(cause, $"recall of {NameOf(key, PathUnderRoot(pathFd))} refused ({cause.TriggerName} by {cause.Describe()} gid={cause.Gid}): {why}; " +
                                     $"the {cause.TriggerName} fails with EPERM");
            return Task.FromResult(-Errno.EPERM);
        }
        var outcome = RecallShared(pathFd, key, null, cause, null, CancellationToken.None, out var notStarted, streaming);
        if (notStarted is Errno.EAGAIN or Errno.EMFILE or Errno.ENFILE)
        {
            var line = $"recall of {NameOf(key, PathUnderRoot(pathFd))} not started ({cause.TriggerName} by {cause.Describe()}): " +
                       $"{outcome.Result}; the {cause.TriggerName} fails with {notStarted switch { Errno.EAGAIN => "EAGAIN", Errno.EMFILE => "EMFILE", _ => "ENFILE" }}";
            // A full queue is a refusal; no descriptor is not one per open: the descriptor reserve warns, once in ten seconds.
            if (notStarted == Errno.EAGAIN) _refusals.Refused(cause, line);
            else Log.Debug(Source, line);
            return Task.FromResult(-notStarted);
        }
        return streaming ? ServedOrDoneAsync(key, outcome) : DoneAsync(outcome);
    }

    private static async Task<int> DoneAsync(Task<string?> recall) => await recall.ConfigureAwait(false) is null ? 0 : -Errno.EIO;

    /// <summary>0 as soon as the recall serves reads (or ends well); -EIO when it ends badly first.</summary>
    private async Task<int> ServedOrDoneAsync(FileKey key, Task<string?> recall)
    {
        var live = Streams.WhenLive(key);
        if (await Task.WhenAny(recall, live).ConfigureAwait(false) == live) return 0;
        Streams.StopWaiting(key, live);
        return await DoneAsync(recall).ConfigureAwait(false);
    }

    /// <summary>
    /// A read through a handle opened while its file was being recalled: null when the file is
    /// whole now (read the backing file directly from then on); else <see cref="RecallStream.ServeAsync"/>,
    /// or -EIO (the recall failed and the file is a stub again: its holes are never served).
    /// </summary>
    public Task<int>? ReadRecalling(FileKey key, long offset, int size, Func<int, int> serve)
    {
        if (Streams.TryGet(key, out var stream)) return stream.ServeAsync(offset, size, serve);
        if (Cache.TryGet(key, out var record) && record.IsStub) return StubAfterItsLockAsync(key, offset, size, serve);
        return null;
    }

    /// <summary>
    /// A handle's file shows as a stub with no recall serving it: a recall that failed (the data is
    /// gone: EIO), or a release that saw this handle's open and is putting the record back. Asked
    /// again once the file's lock is free, which the release holds until then.
    /// </summary>
    private async Task<int> StubAfterItsLockAsync(FileKey key, long offset, int size, Func<int, int> serve)
    {
        using (await _locks.EnterAsync(key, CancellationToken.None).ConfigureAwait(false)) { }
        if (Streams.TryGet(key, out var stream)) return await stream.ServeAsync(offset, size, serve).ConfigureAwait(false);
        return Cache.TryGet(key, out var record) && record.IsStub ? -Errno.EIO : serve(size);
    }

    /// <summary>Whether all of the file's data is in its backing file now: no recall writing it, and not a stub.</summary>
    public bool DataIsLocal(int pathFd, FileKey key)
    {
        if (Streams.TryGet(key, out _)) return false;
        return Cache.TryGet(key, out var record) ? !record.IsStub : !IsStub(pathFd, key);
    }

    /// <summary>Whether the file is a stub now (an unreadable record counts as one: its open would fail anyway).</summary>
    private bool IsStub(int pathFd, FileKey key)
    {
        try { return StubStore.Read(pathFd) is { IsStub: true }; }
        catch (Exception e) when (e is IOException or CorruptStubException) { return true; }
    }

    /// <summary>
    /// Why a stub cannot be recalled by this mount before anything is downloaded, or null: it was
    /// archived to another remote tier, or its backing file was changed behind the mount.
    /// </summary>
    private string? RefuseRecall(StubRecord record, in StatX st)
    {
        if (record.IsForeign(_remoteId))
            return $"archived to the remote tier {record.Remote}, but this mount's remote tier is {_remoteId} (was the mount's --config forgotten, or its prefix changed?); not recalled";
        if (record.StateFor((long)st.Size, StubStore.Ns(st.Mtime)) == TierState.Mismatch)
            return StubMismatch.Describe(record, st);
        return null;
    }

    /// <summary>An open with O_TRUNC (or truncate to 0) of a stub: nothing to download; the archive is stale.</summary>
    private int DropStub(int pathFd, FileKey key, StubRecord record)
    {
        var dirty = record with { State = StubRecord.StateArchived, Dirty = true, ReleasedAtMs = 0 };
        try { StubStore.Write(pathFd, dirty); }
        catch (IOException e)
        {
            Log.Error(Source, $"{key}: cannot update its tier record", e);
            return -Errno.EIO;
        }
        Cache.Set(key, dirty);
        _journal.Recorded(key, dirty, null);
        return 0;
    }

    /// <summary>A write, truncate or fallocate through the mount is about to change the file's data.</summary>
    public void DataChanging(int pathFd, FileKey key)
    {
        if (!Cache.TryGet(key, out var record) || record.Dirty || record.State != StubRecord.StateArchived) return;
        _locks.TryEnter(key, Timeout.InfiniteTimeSpan, out var held);
        using (held)
        {
            var dirty = record with { Dirty = true };
            try { StubStore.Write(pathFd, dirty); }
            catch (IOException e) { Log.Warn(Source, $"{key}: cannot mark dirty: {e.Message}"); }
            Cache.Set(key, dirty);
            _journal.Recorded(key, dirty, null);
        }
    }

    private static readonly TimeSpan MetadataLockWait = TimeSpan.FromSeconds(1);

    /// <summary>Whether the mount shows the file's ctime from its cached record (a stub, or an unchanged archived copy).</summary>
    private bool RecordShowsCtime(FileKey key, in StatX st, out StubRecord cached) =>
        Cache.TryGet(key, out cached) && (cached.IsStub || cached.ShowsRecordCtime((long)st.Size, StubStore.Ns(st.Mtime)));

    /// <summary>
    /// A metadata change through the mount (chmod, chown, link, rename, xattr, times) on a file
    /// whose shown ctime comes from its record: the record's ctime moves to now, as the file's
    /// would. A stub's times set through the mount (touch) are the user's: its record takes them,
    /// so the stub still matches its record and a recall puts those times back.
    /// </summary>
    public void MetadataChanged(int pathFd, FileKey key, in StatX st)
    {
        if (!RecordShowsCtime(key, st, out var cached)) return;
        // Under the file's lock: rewritten unlocked, the record read before a release wrote "released"
        // and written after it said "archived" again over a file whose data was then dropped. Bounded:
        // a release may wait on the remote under it; the ctime is then left as it was, not the record.
        if (!_locks.TryEnter(key, MetadataLockWait, out var held))
        {
            Log.Warn(Source, $"{key}: busy for {MetadataLockWait.TotalSeconds:0} s (a recall or release holds it): its shown ctime is not moved");
            return;
        }
        using var _ = held;
        if (!RecordShowsCtime(key, st, out cached)) return; // again: a release or recall may have changed it meanwhile
        StubRecord touched;
        try
        {
            // Rewritten from the xattr, not the cache: a record loaded from an index row written before
            // schema 7 lacks the CRC and the BLAKE3 digest.
            var record = StubStore.Read(pathFd) ?? cached;
            touched = record with { CtimeNs = NowNs() };
            if (record.IsStub && !record.Recalling && (long)st.Size == record.Size)
                touched = touched with { MtimeNs = StubStore.Ns(st.Mtime), AtimeNs = StubStore.Ns(st.Atime) };
            StubStore.Write(pathFd, touched);
        }
        catch (Exception e) when (e is IOException or CorruptStubException) { Log.Warn(Source, $"{key}: cannot update its ctime: {e.Message}"); return; }
        Cache.Set(key, touched);
    }

    /// <summary>
    /// The last name of a file went away through the mount: its remote copy is deleted after the
    /// grace period (it may be needed by a backup or an undelete until then).
    /// </summary>
    public void Unlinked(FileKey key)
    {
        if (!Cache.TryGet(key, out var record)) return;
        Forget(key, record);
    }

    /// <summary>
    /// After a record was written under the file's lock (archived, released, recalled): if the file
    /// lost its last name meanwhile, the unlink saw the record before (or none), and the one written
    /// now must not outlive the file, nor its object stay on the remote for ever. Written first,
    /// checked after: an unlink that comes later forgets the record itself.
    /// </summary>
    private void ForgetIfUnlinked(int fd, FileKey key, StubRecord written)
    {
        StatX st;
        try { st = StubStore.Stat(fd); }
        catch (IOException) { return; }
        if (st.Nlink != 0) return;
        // The written record, not the cache's: an unlink between the cache and the journal removed
        // the cache entry before the journal kept the record, which then outlived the forget.
        var record = Cache.TryGet(key, out var cached) ? cached : written;
        Log.Info(Source, $"{KnownPath(key, null) ?? key.ToString()}: unlinked while it was being worked on; its record and remote copy go");
        Forget(key, record);
    }

    private void Forget(FileKey key, StubRecord record)
    {
        Cache.Remove(key);
        _paths.TryRemove(key, out _);
        _journal.Forgotten(key);
        // Queued on the remote it lives on: a mount of another remote never deletes it.
        var due = DateTimeOffset.UtcNow + _config.Remote.DeleteGrace;
        if (record.ObjectKey is { } objectKey)
            _journal.EnqueueDelete(objectKey, due, "unlinked", record.FileId, record.Remote ?? _remoteId);
        // A gpeer pair's metadata record of the file goes with it: left, it would claim data that is gone.
        if (_config.Pair is { RemoteRole: RemoteRole.Gpeer } && record.FileId.Length >= 2)
            _journal.EnqueueDelete(RemoteLayout.MetaKey(record.FileId), due, "unlinked (gpeer metadata record)", record.FileId, record.Remote ?? _remoteId);
    }
}
