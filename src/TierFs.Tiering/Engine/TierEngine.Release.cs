using TierFs.Common;
using TierFs.Posix;
using TierFs.Records;

namespace TierFs.Tiering.Engine;

// Forward migration, step two: drop the local data, leaving a stub.
public sealed partial class TierEngine
{
    /// <summary>
    /// Releases an archived, unchanged, unopened file to a stub: the remote copy is confirmed to be
    /// there first (size, and the ETag the store gave at upload), then the record says "released",
    /// then the data is dropped (size kept, no data blocks) and atime/mtime put back.
    /// Returns null or why it was not released.
    /// </summary>
    private async Task<string?> ReleaseAsync(TierFile f, CancellationToken ct)
    {
        var started = DateTime.UtcNow;
        using (await _locks.EnterAsync(f.Key, ct).ConfigureAwait(false))
        {
            var record = StubStore.Read(f.PathFd);
            if (record is null || !record.HasArchive) return "not archived (archive it first, or use migrate)";
            if (record.IsStub) return null;
            if (record.IsForeign(_remoteId)) return Foreign(record);
            if (record.Flags.HasFlag(TierFlags.NoRelease)) return "norelease is set";
            var st = StubStore.Stat(f.PathFd);
            if (record.StateFor((long)st.Size, StubStore.Ns(st.Mtime)) != TierState.Archived)
                return "changed since it was archived (dirty); archive it again first";
            if (_mount.OpenHandles(f.Key) > 0) return "in use (open through the mount); try again later";
            if ((await RemoteCopyProblemAsync(record, ct).ConfigureAwait(false))?.Message is { } problem)
            {
                // The archive is no copy: the next archive (or migrate) uploads the file again.
                var stale = record with { Dirty = true };
                StubStore.Write(f.PathFd, stale);
                Cache.Set(f.Key, stale);
                _journal.Recorded(f.Key, stale, f.Path);
                return Failed("release", f.Path, record.FileId, started, $"{problem}: not released, the file stays local (`tierfs migrate` archives it again)");
            }

            var released = record with
            {
                State = StubRecord.StateReleased,
                AtimeNs = StubStore.Ns(st.Atime),
                ReleasedAtMs = NowMs(),
            };
            // Gives the file back its record before anything is dropped: someone uses its data.
            string KeepData(string why, string answer)
            {
                StubStore.Write(f.PathFd, record);
                Cache.Set(f.Key, record);
                Log.Info(Source, $"{f.Path}: {why}; not released, the data stays");
                return answer;
            }
            var wfd = StubStore.Reopen(f.PathFd, Libc.O_WRONLY);
            try
            {
                StubStore.Write(f.PathFd, released);
                Cache.Set(f.Key, released);
                // An open counts itself, then asks whether the file is a stub (MakeLocalLater). One that came
                // after the check above, while the remote copy was confirmed, found it archived and uses its
                // data: give up before dropping it. One from here on finds the stub and waits for this lock.
                Interlocked.MemoryBarrier();
                if (_mount.OpenHandles(f.Key) > 0)
                    return KeepData("opened during its release", "in use (opened during the release); try again later");
                // Nor may anything outside the mount have it open (its reads would turn to zeros): a
                // process using the backing tree, or a handle the kernel still serves by passthrough
                // for an earlier mount whose daemon died. The lease proves it and holds it so.
                var lease = StubStore.TakeWriteLease(wfd);
                if (lease == Errno.EAGAIN)
                    return KeepData("open outside the mount", "in use (open outside the mount, or by a handle of an earlier mount); try again later");
                try
                {
                    StubStore.DropData(wfd, record.Size);
                    StubStore.RestoreTimes(wfd, released.AtimeNs, released.MtimeNs);
                }
                finally
                {
                    if (lease == 0) StubStore.DropLease(wfd);
                }
            }
            catch (IOException e)
            {
                // The record says released while data may still be there: a reader gets a recall, never wrong data.
                return Failed("release", f.Path, record.FileId, started, e.Message);
            }
            finally
            {
                Libc.Close(wfd);
            }
            _journal.Recorded(f.Key, released, f.Path, new LogLine("release", f.Path, record.FileId, f.Size, DateTime.UtcNow - started));
            ForgetIfUnlinked(f.PathFd, f.Key, released);
            _mount.Invalidate(f.Key, wait: true);
        }
        Log.Info(Source, $"released {f.Path}: {f.Size} bytes freed");
        return null;
    }

    /// <summary>
    /// Whether the remote copy a record names is there as archived: null when it is, else what is wrong.
    /// Throws <see cref="Remote.RemoteException"/> when the remote cannot say (unreachable): nothing is concluded then.
    /// </summary>
    private async Task<RemoteCopyProblem?> RemoteCopyProblemAsync(StubRecord record, CancellationToken ct)
    {
        var head = await _remote.HeadAsync(record.ObjectKey!, ct).ConfigureAwait(false);
        if (head is null) return new(RemoteCopyProblemKind.Missing, $"its remote copy {record.ObjectKey} is missing");
        if (head.Length != record.Size)
            return new(RemoteCopyProblemKind.SizeDiffers, $"its remote copy {record.ObjectKey} has {head.Length} bytes, not the {record.Size} archived");
        if (record.ETag is not null && head.ETag is not null && head.ETag != record.ETag)
            return new(RemoteCopyProblemKind.Replaced, $"its remote copy {record.ObjectKey} was replaced (ETag {head.ETag}, archived as {record.ETag})");
        if (head.Attributes.TryGetValue("file_id", out var id) && id != record.FileId)
            return new(RemoteCopyProblemKind.OtherFile, $"its remote copy {record.ObjectKey} belongs to another file ({id})");
        return null;
    }

    /// <summary>
    /// Explicit recall (`tierfs recall`): like an open (and joining one under way), with progress, and cancellable.
    /// By root never refused; by a user, refused as that user's opens would be.
    /// </summary>
    private Task<string?> RecallCommandAsync(TierFile f, IProgress<long>? progress, CancellationToken ct, RecallCause cause)
    {
        if (RecallAdmission.Refuses(_config.Recall, cause) is { } why && IsStub(f.PathFd, f.Key))
        {
            Log.Warn(Source, $"recall of {f.Path} refused ({cause.TriggerName} by {cause.Describe()}): {why}");
            return Task.FromResult<string?>($"recall refused: {why}");
        }
        return RecallShared(f.PathFd, f.Key, f.Path, cause, progress, ct, out _);
    }

    /// <summary>"STATE[,flag...]" of a file, as `tierfs state` prints it, and why a stub cannot be recalled as it is (or null).</summary>
    private (string State, string? Note) Describe(TierFile f)
    {
        var record = StubStore.Read(f.PathFd);
        if (record is null) return (TierStateNames.Describe(TierState.Resident, TierFlags.None), null);
        var st = StubStore.Stat(f.PathFd);
        var state = record.StateFor((long)st.Size, StubStore.Ns(st.Mtime));
        var note = state == TierState.Mismatch ? StubMismatch.Describe(record, st)
            : record.IsForeign(_remoteId) && record.State != StubRecord.StateNone ? $"archived to the remote tier {record.Remote}, not this mount's ({_remoteId})"
            : null;
        return (TierStateNames.Describe(state, record.Flags), note);
    }

    /// <summary>
    /// `tierfs state --set/--clear`: the flags live in the file's record (a flag-only record for an
    /// untiered file); `lost` is the administrator's mark on a stub (as Lustre's hsm_set/hsm_clear --lost).
    /// </summary>
    private async Task<string?> SetFlagsAsync(TierFile f, TierFlags set, TierFlags clear, bool? lost, CancellationToken ct)
    {
        using (await _locks.EnterAsync(f.Key, ct).ConfigureAwait(false))
        {
            if (lost is { } mark && MarkLost(f, mark) is { } refused) return refused;
            if ((set | clear) == TierFlags.None) return null;
            var record = StubStore.Read(f.PathFd) ?? new StubRecord { State = StubRecord.StateNone, FileId = Guid.NewGuid().ToString("N") };
            var flags = (record.Flags | set) & ~clear;
            if (flags == record.Flags) return null;
            var updated = record with { Flags = flags };
            if (updated.State == StubRecord.StateNone && flags == TierFlags.None)
            {
                StubStore.Remove(f.PathFd);
                Cache.Remove(f.Key);
                _journal.Forgotten(f.Key);
            }
            else
            {
                StubStore.Write(f.PathFd, updated);
                if (updated.State != StubRecord.StateNone) Cache.Set(f.Key, updated);
                _journal.Recorded(f.Key, updated, f.Path);
            }
        }
        return null;
    }
}
