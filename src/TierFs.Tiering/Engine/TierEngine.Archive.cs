using Microsoft.Win32.SafeHandles;
using TierFs.Common;
using TierFs.Posix;
using TierFs.Remote;
using TierFs.Tiering.Config;
using TierFs.Records;

namespace TierFs.Tiering.Engine;

// Forward migration, step one: copy the file to the remote tier.
public sealed partial class TierEngine
{
    /// <summary>
    /// Archives a regular file: uploads it unless the remote copy is already current, then
    /// records the archive — but only if the file did not change during the upload and nobody
    /// opened it for writing meanwhile (else it is hot: nothing recorded, the upload is dropped).
    /// Returns null or the reason it was not archived.
    /// </summary>
    private async Task<string?> ArchiveAsync(TierFile f, IProgress<long>? progress, CancellationToken ct)
    {
        var started = DateTime.UtcNow;
        NameOf(f.Key, f.Path);
        var existing = StubStore.Read(f.PathFd);
        if (existing is not null && existing.Flags.HasFlag(TierFlags.NoArchive)) return "noarchive is set";
        if (existing is not null && existing.IsForeign(_remoteId) && existing.State != StubRecord.StateNone) return Foreign(existing);
        if (existing?.State == StubRecord.StateLost) return "lost: its remote copy is missing";
        if (existing is { IsStub: true }) return null; // released: the remote copy is the data
        var before = f.Stat;
        if (existing is not null && existing.StateFor((long)before.Size, StubStore.Ns(before.Mtime)) == TierState.Archived)
            return null; // already archived and unchanged

        var fileId = existing?.FileId ?? Guid.NewGuid().ToString("N");
        // A record without an archive (flags only, or kept after a pair recall) may carry the
        // generation of an object deleted meanwhile: never reuse that key.
        var generation = existing is null ? 1 : existing.Generation + 1;
        // A key of this attempt alone: an abandoned attempt's deletion can never hit a later one's object.
        var objectKey = RemoteLayout.DataKey(fileId, generation, RemoteLayout.NewAttempt());
        var size = (long)before.Size;

        UploadResult upload;
        var rfd = StubStore.Reopen(f.PathFd, Libc.O_RDONLY | Libc.O_NOATIME);
        try
        {
            using var handle = new SafeFileHandle(rfd, ownsHandle: false);
            upload = await _remote.UploadAsync(objectKey, handle, size, RemoteLayout.ForwardAttributes(_config, fileId), progress, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RemoteException or IOException or OperationCanceledException)
        {
            return Failed("archive", f.Path, fileId, started, e.Message);
        }
        finally
        {
            Libc.Close(rfd);
        }

        using (await _locks.EnterAsync(f.Key, ct).ConfigureAwait(false))
        {
            var after = StubStore.Stat(f.PathFd);
            var changed = after.Size != before.Size || after.Mtime.Sec != before.Mtime.Sec || after.Mtime.Nsec != before.Mtime.Nsec
                          || after.Ctime.Sec != before.Ctime.Sec || after.Ctime.Nsec != before.Ctime.Nsec;
            if (changed || _mount.OpenWriters(f.Key) > 0)
            {
                _journal.EnqueueDelete(objectKey, DateTimeOffset.UtcNow, "archive abandoned (file in use)", fileId, _remoteId);
                return Failed("archive", f.Path, fileId, started,
                    changed ? "changed while it was being copied (hot); try again later" : "open for writing (hot); try again later");
            }
            var record = new StubRecord
            {
                State = StubRecord.StateArchived,
                FileId = fileId,
                Generation = generation,
                ObjectKey = objectKey,
                Checksum = upload.Checksum,
                Crc32C = upload.Crc32C,
                Blake3 = upload.Blake3,
                PartSize = upload.PartSize,
                Size = size,
                MtimeNs = StubStore.Ns(before.Mtime),
                AtimeNs = StubStore.Ns(before.Atime),
                CtimeNs = StubStore.Ns(before.Ctime), // what the user saw; our xattr write must not show
                Pair = _config.Pair?.Name,
                Flags = existing?.Flags ?? TierFlags.None,
                ArchivedAtMs = NowMs(),
                Remote = _remoteId,
                ETag = upload.ETag,
            };
            StubStore.Write(f.PathFd, record);
            Cache.Set(f.Key, record);
            _journal.Recorded(f.Key, record, f.Path, new LogLine("archive", f.Path, fileId, size, DateTime.UtcNow - started));
            // The previous generation's object is stale now.
            if (existing?.ObjectKey is { } old && old != objectKey)
                _journal.EnqueueDelete(old, DateTimeOffset.UtcNow + _config.Remote.DeleteGrace, "superseded", fileId, existing.Remote ?? _remoteId);
            ForgetIfUnlinked(f.PathFd, f.Key, record);
        }
        if (_config.Pair is { RemoteRole: RemoteRole.Gpeer } pair)
            await PutPeerMetadataAsync(f, fileId, size, before, pair, ct).ConfigureAwait(false);
        Log.Info(Source, $"archived {f.Path}: {size} bytes as {objectKey} in {(DateTime.UtcNow - started).TotalSeconds:0.00}s");
        return null;
    }

    /// <summary>Why a file archived to another remote tier is not worked on by this mount.</summary>
    private string Foreign(StubRecord record) =>
        $"archived to the remote tier {record.Remote}, but this mount's remote tier is {_remoteId}: not touched (mount with that remote, or recall it there first)";

    /// <summary>gpeer: the peer manages the same files, so forward migration updates its metadata record too.</summary>
    private async Task PutPeerMetadataAsync(TierFile f, string fileId, long size, StatX st, PairConfig pair, CancellationToken ct)
    {
        var attributes = new Dictionary<string, string> { [RemoteLayout.ForwardAttribute] = pair.ContractValue(_config.ClusterId), ["file_id"] = fileId };
        var meta = RemoteLayout.MetaRecord(fileId, f.Path, size, st.Mode, st.Uid, st.Gid, StubStore.Ns(st.Mtime), StubStore.Ns(st.Ctime), "remote");
        try { await _remote.PutRecordAsync(RemoteLayout.MetaKey(fileId), meta, attributes, ct).ConfigureAwait(false); }
        catch (RemoteException e) { Log.Warn(Source, $"{f.Path}: archived, but the peer's metadata record could not be written: {e.Message}"); }
    }
}
