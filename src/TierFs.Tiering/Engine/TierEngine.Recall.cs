using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using TierFs.Common;
using TierFs.Posix;
using TierFs.Remote;
using TierFs.Tiering.Config;
using TierFs.Records;

namespace TierFs.Tiering.Engine;

// Reverse migration: the stub's data comes back into the same inode (hard links stay links).
public sealed partial class TierEngine
{
    /// <summary>
    /// Recalls the file behind <paramref name="pathFd"/> if it is a stub, or joins the recall of it
    /// that is already running: every caller gets that one recall's outcome (null, or what went
    /// wrong). The recall runs with a token of its own (<see cref="InFlightRecalls"/>): a command's
    /// <paramref name="ct"/> ends its own wait, and cancels the recall only when no other caller
    /// waits for it; an opener (CancellationToken.None) never gives up. A new recall takes a place in
    /// the queue of recall.max_concurrent; when the queue is full none is started (<paramref name="queueFull"/>).
    /// </summary>
    /// <param name="cause">Who caused it and how: the log line and the recalls table name it (the first caller's, when shared).</param>
    /// <param name="streaming">Serve reads while the recall runs (a read-only open started it): the parts land verified one by one (<see cref="RecallStream"/>).</param>
    /// <param name="notStarted">0, or why nothing started: EAGAIN (the queue is full), EMFILE or ENFILE (no descriptor).</param>
    private Task<string?> RecallShared(int pathFd, FileKey key, string? path, RecallCause cause, IProgress<long>? progress, CancellationToken ct, out int notStarted, bool streaming = false)
    {
        notStarted = 0;
        // The recall may outlive this caller's wait: it works on a descriptor of its own.
        var fd = Libc.Dup(pathFd);
        if (fd < 0)
        {
            notStarted = Libc.Errno();
            return Task.FromResult<string?>($"cannot duplicate the file's descriptor: {Marshal.GetPInvokeErrorMessage(notStarted)}");
        }
        RecallSlots.Ticket? ticket = null;
        // A caller that gave up hears no more of the recall (a policy job has stopped counting its bytes).
        var reports = progress is null || !ct.CanBeCanceled ? progress : new UntilCancelled(progress, ct);
        var task = _recalls.Join(key, async recallCt =>
        {
            using (ticket)
            {
                try { return await RecallUnderLockAsync(fd, key, path, cause, reports, recallCt, ticket!, streaming).ConfigureAwait(false); }
                finally { Libc.Close(fd); }
            }
        }, ct, out var started, () => (ticket = RecallQueue.TryQueue(always: cause.IsRootCommand)) is not null);
        if (!started) Libc.Close(fd);
        if (task is null)
        {
            notStarted = Errno.EAGAIN;
            return Task.FromResult<string?>($"the recall queue is full ({RecallQueue.Load.Queued} recalls wait for their turn, recall.max_queued)");
        }
        return task;
    }

    private sealed class UntilCancelled(IProgress<long> inner, CancellationToken ct) : IProgress<long>
    {
        public void Report(long value)
        {
            if (!ct.IsCancellationRequested) inner.Report(value);
        }
    }

    /// <summary>How many callers wait for the recall of <paramref name="key"/> under way (0: none runs, or every caller gave up).</summary>
    internal int RecallsSharing(FileKey key) => _recalls.Sharing(key);

    /// <summary>Under the file's lock: reads the record again (another recall may have finished) and recalls a stub.</summary>
    private async Task<string?> RecallUnderLockAsync(int pathFd, FileKey key, string? path, RecallCause cause, IProgress<long>? progress, CancellationToken ct, RecallSlots.Ticket ticket, bool streaming)
    {
        using (await _locks.EnterAsync(key, ct).ConfigureAwait(false))
        {
            StubRecord? record;
            try { record = StubStore.Read(pathFd); }
            catch (Exception e) when (e is IOException or CorruptStubException)
            {
                Log.Error(Source, $"{NameOf(key, path)}: cannot read its tier record, refusing access", e);
                return $"cannot read its tier record: {e.Message}";
            }
            if (record is null)
            {
                Cache.Remove(key);
                return null;
            }
            Cache.Set(key, record);
            if (!record.IsStub) return null;
            return await RecallAsync(pathFd, key, record, path, cause, progress, ct, ticket, streaming).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One recall, accounted for: it waits for its turn (recall.max_concurrent), shows in
    /// <see cref="Transfers"/> with its progress while it lasts (`tierfs status`, `tierfs state`),
    /// and leaves one row in the recalls table. The caller holds the file's lock; the turn is taken
    /// under it, so a recall waiting for its turn never holds one another recall needs.
    /// </summary>
    private async Task<string?> RecallAsync(int pathFd, FileKey key, StubRecord record, string? path, RecallCause cause, IProgress<long>? progress, CancellationToken ct, RecallSlots.Ticket ticket, bool streaming)
    {
        var requested = DateTimeOffset.UtcNow;
        path = KnownPath(key, path ?? PathUnderRoot(pathFd));
        // Progress is reported by the recall as its bytes land (a streaming recall: per part, verified).
        using var transfer = Transfers.Begin(key, path ?? $"inode {key}", TransferView.Queued, record.Size, $"{cause.TriggerName} by {cause.Describe()}",
            () => _recalls.Sharing(key));
        string? error;
        try
        {
            await ticket.EnterAsync(ct).ConfigureAwait(false);
            transfer.Start("recalling");
            error = await DownloadRecallAsync(pathFd, key, record, path, cause, new Both(transfer, progress), ct, streaming).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            error = "cancelled while waiting for its turn (recall.max_concurrent)";
        }
        _journal.Recalled(new RecallEntry(key, record.FileId, path, cause.TriggerName, cause.Pid, cause.Uid, cause.Gid, cause.Command,
            requested, DateTimeOffset.UtcNow, error is null ? record.Size : transfer.Done, error));
        return error;
    }

    /// <summary>Reports to the transfer registry and to the caller's progress (a command's sink).</summary>
    private sealed class Both(IProgress<long> first, IProgress<long>? second) : IProgress<long>
    {
        public void Report(long value)
        {
            first.Report(value);
            second?.Report(value);
        }
    }

    /// <summary>The file's path relative to the backing root, as the kernel names its descriptor (null when it cannot: deleted, outside).</summary>
    private string? PathUnderRoot(int fd)
    {
        try
        {
            var root = new FileInfo($"/proc/self/fd/{_rootFd}").LinkTarget;
            var file = new FileInfo($"/proc/self/fd/{fd}").LinkTarget;
            if (root is null || file is null || file.EndsWith(" (deleted)", StringComparison.Ordinal)) return null;
            var prefix = root.EndsWith('/') ? root : root + "/";
            return file.StartsWith(prefix, StringComparison.Ordinal) ? file[prefix.Length..] : null;
        }
        catch (IOException) { return null; }
    }

    /// <summary>
    /// Downloads a stub's data into its own inode and verifies it. The caller holds the file's
    /// lock. Returns null, or what went wrong; on failure the file is a stub again (no partial
    /// data is ever left for a reader) and its record is as it was: a failure is an error for this
    /// recall only, never a conclusion about the remote copy (`tierfs check` concludes `lost`).
    /// </summary>
    private async Task<string?> DownloadRecallAsync(int pathFd, FileKey key, StubRecord record, string? path, RecallCause cause, IProgress<long>? progress, CancellationToken ct, bool streaming)
    {
        RecallStream? stream = null;
        var started = DateTime.UtcNow;
        var name = NameOf(key, path);
        StatX st;
        try { st = StubStore.Stat(pathFd); }
        catch (IOException e) { return Failed("recall", name, record.FileId, started, e.Message); }
        if (RefuseRecall(record, st) is { } refused) return Failed("recall", name, record.FileId, started, refused);

        int wfd;
        try { wfd = StubStore.Reopen(pathFd, Libc.O_WRONLY); }
        catch (IOException e) { return Failed("recall", name, record.FileId, started, e.Message); }
        try
        {
            // Marked first, and the mark in the index before any data is written: a crash from
            // here on leaves data blocks and a moved mtime that the next mount knows to be ours.
            var recalling = record with { Recalling = true };
            StubStore.Write(pathFd, recalling);
            Cache.Set(key, recalling);
            _journal.Recorded(key, recalling, KnownPath(key, path));
            // Awaited, not waited for: a storm's recalls would each hold a pool thread meanwhile.
            await _journal.FlushAsync().ConfigureAwait(false);

            // Leftovers of an interrupted recall go first: start from an empty sparse file.
            StubStore.DropData(wfd, record.Size);
            using (var handle = new SafeFileHandle(wfd, ownsHandle: false))
            {
                stream = streaming ? await StartStreamAsync(key, record, handle, progress, ct).ConfigureAwait(false) : null;
                if (stream is not null) await stream.Fetch.RunAsync(ct).ConfigureAwait(false);
                else await DownloadWholeAsync(record, handle, progress, ct).ConfigureAwait(false);
            }
            // The download started each part's writeback; this waits for the rest. Durable before the record changes.
            if (Libc.Fsync(wfd) != 0) throw new IOException($"fsync failed: errno {Libc.Errno()}");
            StubStore.RestoreTimes(wfd, record.AtimeNs, record.MtimeNs);
            var after = StubStore.Stat(wfd);
            if ((long)after.Size != record.Size) throw new IOException($"size is {after.Size} after recall, expected {record.Size}");
            // An open names no path: the peer's metadata record keeps the last one known (not null).
            await FinishRecallAsync(pathFd, key, record, KnownPath(key, path), after,
                new LogLine("recall", name, record.FileId, record.Size, DateTime.UtcNow - started)).ConfigureAwait(false);
            _mount.Invalidate(key, wait: cause.Trigger is RecallTrigger.Command or RecallTrigger.Policy);
            Log.Info(Source, $"recalled {name} ({cause.TriggerName} by {cause.Describe()}): {record.Size} bytes in {(DateTime.UtcNow - started).TotalSeconds:0.00}s");
            return null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var why = e is AggregateException { InnerException: { } inner } ? inner : e;
            stream?.Fail(); // no reader preads the data dropped now
            BackToStub(pathFd, wfd, key, record);
            return Failed("recall", name, record.FileId, started, why is OperationCanceledException ? "cancelled" : why.Message);
        }
        finally
        {
            // After the record says what the file is now: a reader that misses the stream finds it local, or a stub.
            if (stream is not null) Streams.Ended(key, stream);
            Libc.Close(wfd);
        }
    }

    /// <summary>The whole object into the file, verified once at the end (no reader is served before).</summary>
    private async Task DownloadWholeAsync(StubRecord record, SafeFileHandle handle, IProgress<long>? progress, CancellationToken ct)
    {
        // Only a cryptographic digest proves the bytes are the ones archived (a CRC can be matched by
        // whoever writes the remote tier): the BLAKE3 form, or the MD5 form every older record has.
        var (kind, expected) = record.Blake3 is { } blake3 ? (ChecksumKind.CompositeBlake3, blake3) : (ChecksumKind.ChunkedMd5, record.Checksum);
        var result = await _remote.DownloadAsync(record.ObjectKey!, handle, record.Size, kind, progress, ct).ConfigureAwait(false);
        if (result.Checksum != expected)
            throw new RemoteDataException($"checksum mismatch: object {record.ObjectKey} has {result.Checksum}, the file was archived as {expected}");
    }

    /// <summary>
    /// A recall that readers can follow part by part, started: null when the record cannot be
    /// verified part by part (no BLAKE3 digest, a single part, or no part manifest: archived before
    /// them), and the recall downloads the whole object as before.
    /// </summary>
    private async Task<RecallStream?> StartStreamAsync(FileKey key, StubRecord record, SafeFileHandle handle, IProgress<long>? progress, CancellationToken ct)
    {
        // Single-part objects have no manifest and gain little from streaming: they are recalled
        // whole, so that an open of a stub whose object is gone or wrong fails at the open, as before.
        if (record.Blake3 is not { } blake3 || record.Size == 0 || record.PartSize <= 0 || !PartManifest.IsWrittenFor(new PartPlan(record.Size, record.PartSize)))
            return null;
        var reader = await VerifiedReader.OpenAsync(_remote, record.ObjectKey!, new ObjectDigest(record.Size, record.PartSize, blake3, record.Crc32C), ct).ConfigureAwait(false);
        if (reader is null) return null;
        RecallStream? stream = null;
        var fetch = new PartFetch(reader, handle, _config.Remote.Concurrency, i =>
        {
            stream!.PartLanded(i);
            progress?.Report(stream.Landed);
        });
        stream = new RecallStream(fetch, record.Size);
        Streams.Started(key, stream);
        return stream;
    }

    private string Failed(string op, string name, string fileId, DateTime started, string why)
    {
        Log.Error(Source, $"{op} of {name} failed: {why}");
        _journal.Log(new LogLine(op, name, fileId, 0, DateTime.UtcNow - started, why));
        return why;
    }

    private void KeepArchived(int pathFd, FileKey key, StubRecord archived, string? path, LogLine log)
    {
        StubStore.Write(pathFd, archived);
        Cache.Set(key, archived);
        _journal.Recorded(key, archived, path, log);
        ForgetIfUnlinked(pathFd, key, archived);
    }

    /// <summary>After a failed recall: drop what was written and put the record back as it was, so the file is a clean stub.</summary>
    private void BackToStub(int pathFd, int wfd, FileKey key, StubRecord record)
    {
        try
        {
            StubStore.DropData(wfd, record.Size);
            StubStore.RestoreTimes(wfd, record.AtimeNs, record.MtimeNs);
            StubStore.Write(pathFd, record);
            Cache.Set(key, record);
            _journal.Recorded(key, record, null);
        }
        catch (IOException e)
        {
            // The record still says recalling: the next mount (or open) starts from an empty file again.
            Log.Error(Source, $"{key}: could not put the stub back after a failed recall", e);
        }
    }

    /// <summary>
    /// At start: a recall that a crash interrupted left data blocks (and a moved mtime) in a stub
    /// whose record says recalling. They are dropped, the times put back, the mark cleared.
    /// </summary>
    private void RepairInterruptedRecall(FileKey key, StubRecord indexed, string? path)
    {
        var fd = path is null ? -1 : OpenUnderRoot(path, out _);
        if (fd < 0)
        {
            Log.Warn(Source, $"{path ?? key.ToString()}: a recall was interrupted, and the file is not at that path any more; its data is dropped when it is next opened");
            return;
        }
        try
        {
            var st = StubStore.Stat(fd);
            if (new FileKey(st.Dev, st.Ino) != key) return;
            var record = StubStore.Read(fd);
            if (record is null || !record.Recalling || !record.IsStub)
            {
                // The recall finished (or the file changed) before the index heard of it: the file is the truth.
                if (record is null) { Cache.Remove(key); _journal.Forgotten(key); }
                else { Cache.Set(key, record); _journal.Recorded(key, record, path); }
                return;
            }
            var stub = record with { Recalling = false };
            var wfd = StubStore.Reopen(fd, Libc.O_WRONLY);
            try
            {
                StubStore.DropData(wfd, stub.Size);
                StubStore.RestoreTimes(wfd, stub.AtimeNs, stub.MtimeNs);
            }
            finally
            {
                Libc.Close(wfd);
            }
            StubStore.Write(fd, stub);
            Cache.Set(key, stub);
            _journal.Recorded(key, stub, path);
            Log.Warn(Source, $"{path}: a recall was interrupted (the mount stopped during it); the partly recalled data is dropped, the file is a stub again");
        }
        catch (Exception e) when (e is IOException or CorruptStubException)
        {
            Log.Error(Source, $"{path}: cannot repair an interrupted recall", e);
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    /// <summary>
    /// The data is local and verified: what remains of the archive depends on the pair.
    /// No pair: keep the remote copy (the file is archived; an unchanged file releases again
    /// without uploading). gfs: delete the remote object. gpeer: delete the data but keep the
    /// file's metadata record on the remote side, marked with the reverse-migration attribute.
    /// </summary>
    private async Task FinishRecallAsync(int pathFd, FileKey key, StubRecord record, string? path, StatX st, LogLine log)
    {
        var archived = record with { State = StubRecord.StateArchived, ReleasedAtMs = 0, Dirty = false, Recalling = false };
        if (_config.Pair is not { } pair)
        {
            KeepArchived(pathFd, key, archived, path, log);
            return;
        }
        if (pair.RemoteRole == RemoteRole.Gpeer)
        {
            var attributes = new Dictionary<string, string> { [RemoteLayout.ReverseAttribute] = pair.ContractValue(_config.ClusterId), ["file_id"] = record.FileId };
            var meta = RemoteLayout.MetaRecord(record.FileId, path, record.Size, st.Mode, st.Uid, st.Gid, record.MtimeNs, record.CtimeNs, "local");
            try
            {
                await _remote.PutRecordAsync(RemoteLayout.MetaKey(record.FileId), meta, attributes, CancellationToken.None).ConfigureAwait(false);
            }
            catch (RemoteException e)
            {
                // The user has the data; the peer must not lose it: keep the remote copy until a later recall finishes the job.
                Log.Warn(Source, $"{path ?? key.ToString()}: recalled, but the peer's metadata could not be updated ({e.Message}); the remote copy is kept");
                KeepArchived(pathFd, key, archived, path, log);
                return;
            }
        }
        // The local copy is the only one now: forget the archive first, then let the remote data go.
        if (pair.RemoteRole == RemoteRole.Gpeer || record.Flags != TierFlags.None)
        {
            // gpeer: the peer's metadata record is named by the file id, so the id stays for the next
            // forward migration to update that record (and the generation, so that it never reuses
            // the key of the object deleted now); flags set by an administrator stay too.
            var resident = new StubRecord { State = StubRecord.StateNone, FileId = record.FileId, Generation = record.Generation, Flags = record.Flags };
            StubStore.Write(pathFd, resident);
            Cache.Remove(key);
            _journal.Recorded(key, resident, path, log);
        }
        else
        {
            StubStore.Remove(pathFd);
            Cache.Remove(key);
            _journal.Forgotten(key, log);
        }
        _journal.EnqueueDelete(record.ObjectKey!, DateTimeOffset.UtcNow, $"recalled ({pair.RemoteRole.ToString().ToLowerInvariant()})", record.FileId, record.Remote ?? _remoteId);
    }
}
