using Microsoft.Win32.SafeHandles;
using TierFs.Common;
using TierFs.Posix;
using TierFs.Remote;
using TierFs.Tiering.Config;
using TierFs.Tiering.Stubs;

namespace TierFs.Tiering.Engine;

// Reverse migration: the stub's data comes back into the same inode (hard links stay links).
public sealed partial class TierEngine
{
    /// <summary>
    /// Downloads a stub's data into its own inode and verifies it. The caller holds the file's
    /// lock. Returns null, or what went wrong; on failure the file is a stub again (no partial
    /// data is ever left for a reader).
    /// </summary>
    private string? Recall(int pathFd, FileKey key, StubRecord record, string? path, string reason, IProgress<long>? progress, CancellationToken ct)
    {
        var started = DateTime.UtcNow;
        var name = NameOf(key, path);
        int wfd;
        try { wfd = StubStore.Reopen(pathFd, Libc.O_WRONLY); }
        catch (IOException e) { return Failed("recall", name, record.FileId, started, e.Message); }
        try
        {
            // Leftovers of an interrupted recall go first: start from an empty sparse file.
            StubStore.DropData(wfd, record.Size);
            using (var handle = new SafeFileHandle(wfd, ownsHandle: false))
            {
                // Only a cryptographic digest proves the bytes are the ones archived (a CRC can be matched by
                // whoever writes the remote tier): the BLAKE3 form, or the MD5 form every older record has.
                var (kind, expected) = record.Blake3 is { } blake3 ? (ChecksumKind.CompositeBlake3, blake3) : (ChecksumKind.ChunkedMd5, record.Checksum);
                var result = _remote.DownloadAsync(record.ObjectKey!, handle, record.Size, kind, progress, ct).GetAwaiter().GetResult();
                if (result.Checksum != expected)
                    throw new RemoteDataException($"checksum mismatch: object {record.ObjectKey} has {result.Checksum}, the file was archived as {expected}");
            }
            // The download started each part's writeback; this waits for the rest. Durable before the record changes.
            if (Libc.Fsync(wfd) != 0) throw new IOException($"fsync failed: errno {Libc.Errno()}");
            StubStore.RestoreTimes(wfd, record.AtimeNs, record.MtimeNs);
            var st = StubStore.Stat(wfd);
            if ((long)st.Size != record.Size) throw new IOException($"size is {st.Size} after recall, expected {record.Size}");
            // An open names no path: the peer's metadata record keeps the last one known (not null).
            FinishRecall(pathFd, key, record, KnownPath(key, path), st);
            _mount.Invalidate(key, wait: reason == "command");
            Log.Info(Source, $"recalled {name} ({reason}): {record.Size} bytes in {(DateTime.UtcNow - started).TotalSeconds:0.00}s");
            _journal.Log("recall", name, record.FileId, record.Size, DateTime.UtcNow - started, null);
            return null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var why = e is AggregateException { InnerException: { } inner } ? inner : e;
            TryBackToStub(wfd, key, record, why is RemoteObjectMissingException ? pathFd : -1);
            return Failed("recall", name, record.FileId, started, why.Message);
        }
        finally
        {
            Libc.Close(wfd);
        }
    }

    private string Failed(string op, string name, string fileId, DateTime started, string why)
    {
        Log.Error(Source, $"{op} of {name} failed: {why}");
        _journal.Log(op, name, fileId, 0, DateTime.UtcNow - started, why);
        return why;
    }

    private void KeepArchived(int pathFd, FileKey key, StubRecord archived, string? path)
    {
        StubStore.Write(pathFd, archived);
        Cache.Set(key, archived);
        _journal.Recorded(key, archived, path);
    }

    /// <summary>After a failed recall: drop what was written, so the file is a clean stub; a missing object makes it lost.</summary>
    private void TryBackToStub(int wfd, FileKey key, StubRecord record, int pathFdIfLost)
    {
        try
        {
            StubStore.DropData(wfd, record.Size);
            StubStore.RestoreTimes(wfd, record.AtimeNs, record.MtimeNs);
            if (pathFdIfLost >= 0)
            {
                var lost = record with { State = StubRecord.StateLost };
                StubStore.Write(pathFdIfLost, lost);
                Cache.Set(key, lost);
                _journal.Recorded(key, lost, null);
            }
        }
        catch (IOException e)
        {
            Log.Error(Source, $"{key}: could not put the stub back after a failed recall", e);
        }
    }

    /// <summary>
    /// The data is local and verified: what remains of the archive depends on the pair.
    /// No pair: keep the remote copy (the file is archived; an unchanged file releases again
    /// without uploading). gfs: delete the remote object. gpeer: delete the data but keep the
    /// file's metadata record on the remote side, marked with the reverse-migration attribute.
    /// </summary>
    private void FinishRecall(int pathFd, FileKey key, StubRecord record, string? path, in Posix.StatX st)
    {
        var archived = record with { State = StubRecord.StateArchived, ReleasedAtMs = 0, Dirty = false };
        if (_config.Pair is not { } pair)
        {
            KeepArchived(pathFd, key, archived, path);
            return;
        }
        if (pair.RemoteRole == RemoteRole.Gpeer)
        {
            var attributes = new Dictionary<string, string> { [RemoteLayout.ReverseAttribute] = pair.ContractValue(_config.ClusterId), ["file_id"] = record.FileId };
            var meta = RemoteLayout.MetaRecord(record.FileId, path, record.Size, st.Mode, st.Uid, st.Gid, record.MtimeNs, record.CtimeNs, "local");
            try
            {
                _remote.PutRecordAsync(RemoteLayout.MetaKey(record.FileId), meta, attributes, CancellationToken.None).GetAwaiter().GetResult();
            }
            catch (RemoteException e)
            {
                // The user has the data; the peer must not lose it: keep the remote copy until a later recall finishes the job.
                Log.Warn(Source, $"{path ?? key.ToString()}: recalled, but the peer's metadata could not be updated ({e.Message}); the remote copy is kept");
                KeepArchived(pathFd, key, archived, path);
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
            _journal.Recorded(key, resident, path);
        }
        else
        {
            StubStore.Remove(pathFd);
            Cache.Remove(key);
            _journal.Forgotten(key);
        }
        _journal.EnqueueDelete(record.ObjectKey!, DateTimeOffset.UtcNow, $"recalled ({pair.RemoteRole.ToString().ToLowerInvariant()})", record.FileId);
    }
}
