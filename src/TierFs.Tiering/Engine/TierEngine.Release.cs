using TierFs.Common;
using TierFs.Posix;
using TierFs.Tiering.Stubs;

namespace TierFs.Tiering.Engine;

// Forward migration, step two: drop the local data, leaving a stub.
public sealed partial class TierEngine
{
    /// <summary>
    /// Releases an archived, unchanged, unopened file to a stub: the record says "released"
    /// first, then the data is dropped (size kept, 0 blocks) and atime/mtime put back.
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
            if (record.Flags.HasFlag(TierFlags.NoRelease)) return "norelease is set";
            var st = StubStore.Stat(f.PathFd);
            if (record.StateFor((long)st.Size, StubStore.Ns(st.Mtime)) != TierState.Archived)
                return "changed since it was archived (dirty); archive it again first";
            if (_mount.OpenHandles(f.Key) > 0) return "in use (open through the mount); try again later";

            var released = record with
            {
                State = StubRecord.StateReleased,
                AtimeNs = StubStore.Ns(st.Atime),
                ReleasedAtMs = NowMs(),
            };
            var wfd = StubStore.Reopen(f.PathFd, Libc.O_WRONLY);
            try
            {
                StubStore.Write(f.PathFd, released);
                Cache.Set(f.Key, released);
                StubStore.DropData(wfd, record.Size);
                StubStore.RestoreTimes(wfd, released.AtimeNs, released.MtimeNs);
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
            _journal.Recorded(f.Key, released, f.Path);
            _mount.Invalidate(f.Key, wait: true);
        }
        Log.Info(Source, $"released {f.Path}: {f.Size} bytes freed");
        _journal.Log("release", f.Path, f.Key.ToString(), f.Size, DateTime.UtcNow - started, null);
        return null;
    }

    /// <summary>Explicit recall (`tierfs recall`): like an open, with progress, and cancellable.</summary>
    private async Task<string?> RecallCommandAsync(TierFile f, IProgress<long>? progress, CancellationToken ct, string? by = null)
    {
        using (await _locks.EnterAsync(f.Key, ct).ConfigureAwait(false))
        {
            var record = StubStore.Read(f.PathFd);
            if (record is null || !record.IsStub) return null;
            if (record.State == StubRecord.StateLost) return "lost: its remote copy is missing";
            // Recall blocks its thread until the download is done; on a thread of its own, it does
            // not hold one of the pool's few workers that the download's own continuations need
            // (on 2 cores that cost ~0.3 s per GiB while the pool grew).
            return await Task.Factory.StartNew(() => Recall(f.PathFd, f.Key, record, f.Path, "command", progress, ct, by),
                ct, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    /// <summary>"STATE[,flag...]" of a file, as `tierfs state` prints it.</summary>
    private static string Describe(TierFile f)
    {
        var record = StubStore.Read(f.PathFd);
        if (record is null) return TierStateNames.Describe(TierState.Resident, TierFlags.None);
        var st = StubStore.Stat(f.PathFd);
        return TierStateNames.Describe(record.StateFor((long)st.Size, StubStore.Ns(st.Mtime)), record.Flags);
    }

    /// <summary>`tierfs state --set/--clear`: the flags live in the file's record (a flag-only record for an untiered file).</summary>
    private async Task<string?> SetFlagsAsync(TierFile f, TierFlags set, TierFlags clear, CancellationToken ct)
    {
        using (await _locks.EnterAsync(f.Key, ct).ConfigureAwait(false))
        {
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
