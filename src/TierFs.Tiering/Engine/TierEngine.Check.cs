using TierFs.Common;
using TierFs.Posix;
using TierFs.Remote;
using TierFs.Tiering.Control;
using TierFs.Records;

namespace TierFs.Tiering.Engine;

// What an administrator decides about a file's archive: whether its remote copy is there (check),
// the `lost` mark, and which version a stub changed behind the mount keeps (resolve).
public sealed partial class TierEngine
{
    /// <summary>
    /// `tierfs check`: asks the remote tier (this mount's, which must be the one the record names)
    /// whether the file's remote copy is there as archived. A stub whose copy is missing becomes
    /// `lost`, a lost stub whose copy is there again becomes `released`; an archived file whose copy
    /// is missing becomes dirty (the next archive uploads it again). Unreachable: nothing changes.
    /// </summary>
    private async Task<string?> CheckAsync(TierFile f, CancellationToken ct)
    {
        using (await _locks.EnterAsync(f.Key, ct).ConfigureAwait(false))
        {
            var record = StubStore.Read(f.PathFd);
            if (record is null || !record.HasArchive) return null; // nothing archived: nothing to check
            if (record.IsForeign(_remoteId)) return Foreign(record);
            var problem = (await RemoteCopyProblemAsync(record, ct).ConfigureAwait(false))?.Message;
            StubRecord? changed = (record.State, problem) switch
            {
                (StubRecord.StateReleased, not null) => record with { State = StubRecord.StateLost },
                (StubRecord.StateLost, null) => record with { State = StubRecord.StateReleased },
                (StubRecord.StateArchived, not null) when !record.Dirty => record with { Dirty = true },
                _ => null,
            };
            if (changed is not null)
            {
                StubStore.Write(f.PathFd, changed);
                Cache.Set(f.Key, changed);
                _journal.Recorded(f.Key, changed, f.Path, new LogLine("check", f.Path, record.FileId, 0, TimeSpan.Zero, problem));
                Log.Warn(Source, $"check of {f.Path}: {problem ?? "its remote copy is there again"}; now {TierStateNames.Name(changed.StateFor(f.Size, StubStore.Ns(f.Stat.Mtime)))}");
            }
            else _journal.Log(new LogLine("check", f.Path, record.FileId, 0, TimeSpan.Zero, problem));
            return problem;
        }
    }

    private static bool HoldsData(int pathFd)
    {
        var fd = StubStore.Reopen(pathFd, Libc.O_RDONLY | Libc.O_NOATIME);
        try { return StubStore.HoldsData(fd); }
        finally { Libc.Close(fd); }
    }

    /// <summary>Sets or clears the `lost` mark of a stub. Null, or why not.</summary>
    private string? MarkLost(TierFile f, bool lost)
    {
        var record = StubStore.Read(f.PathFd);
        if (record is not { IsStub: true }) return "not a stub: only a released file can be marked lost";
        var state = lost ? StubRecord.StateLost : StubRecord.StateReleased;
        if (record.State == state) return null;
        var marked = record with { State = state };
        StubStore.Write(f.PathFd, marked);
        Cache.Set(f.Key, marked);
        _journal.Recorded(f.Key, marked, f.Path);
        Log.Info(Source, $"{f.Path}: {(lost ? "marked lost" : "lost mark cleared")} by an administrator");
        return null;
    }

    /// <summary>
    /// `tierfs resolve`: a stub changed behind the mount (<see cref="TierState.Mismatch"/>) becomes
    /// one file again. Keep local: the backing file as it is now is the file; the archive is
    /// dropped (its object goes after the grace period); a file of holes only (its bytes are all in
    /// the archive) needs <paramref name="force"/>. Keep remote: the archived data is the file; what
    /// was written behind the mount is dropped, which, when the backing file holds data, needs <paramref name="force"/>.
    /// </summary>
    private async Task<string?> ResolveAsync(TierFile f, ResolveChoice choice, bool force, RecallCause cause, IProgress<long>? progress, CancellationToken ct)
    {
        using (await _locks.EnterAsync(f.Key, ct).ConfigureAwait(false))
        {
            var record = StubStore.Read(f.PathFd);
            var st = StubStore.Stat(f.PathFd);
            if (record is null || record.StateFor((long)st.Size, StubStore.Ns(st.Mtime)) != TierState.Mismatch)
                return "matches its record: nothing to resolve";
            if (record.IsForeign(_remoteId)) return Foreign(record);
            if (choice == ResolveChoice.KeepLocal)
            {
                if (!force && !HoldsData(f.PathFd))
                    return "the backing file holds no data (its bytes are only in the archive): keeping it would make a file of zeros; use --keep-remote, or add --force";
                if (record.Flags == TierFlags.None) StubStore.Remove(f.PathFd);
                else StubStore.Write(f.PathFd, new StubRecord { State = StubRecord.StateNone, FileId = record.FileId, Generation = record.Generation, Flags = record.Flags });
                Cache.Remove(f.Key);
                _journal.Forgotten(f.Key, new LogLine("resolve", f.Path, record.FileId, 0, TimeSpan.Zero));
                _journal.EnqueueDelete(record.ObjectKey!, DateTimeOffset.UtcNow + _config.Remote.DeleteGrace, "resolved: the local file kept", record.FileId, record.Remote ?? _remoteId);
                Log.Warn(Source, $"{f.Path}: resolved by keeping the backing file as it is ({(long)st.Size} bytes); the archive {record.ObjectKey} goes after the grace period");
                return null;
            }
            var wfd = StubStore.Reopen(f.PathFd, Libc.O_WRONLY);
            try
            {
                if (StubStore.HoldsData(wfd) && !force)
                    return "the backing file holds data written behind the mount; copy it away first, or add --force to drop it";
                // Back to the stub the record describes: its size, no data, its times.
                if (Libc.Ftruncate(wfd, record.Size) != 0) return $"cannot truncate: errno {Libc.Errno()}";
                StubStore.DropData(wfd, record.Size);
                StubStore.RestoreTimes(wfd, record.AtimeNs, record.MtimeNs);
            }
            finally
            {
                Libc.Close(wfd);
            }
            Log.Warn(Source, $"{f.Path}: resolved by keeping the archived data; what was written behind the mount is dropped");
            using var ticket = RecallQueue.TryQueue(always: true)!;
            return await RecallAsync(f.PathFd, f.Key, record, f.Path, cause, progress, ct, ticket, streaming: false).ConfigureAwait(false);
        }
    }
}
