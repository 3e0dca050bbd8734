using TierFs.Posix;
using TierFs.Tiering.Control;
using TierFs.Records;

namespace TierFs.Tiering.Engine;

/// <summary>What became of one file the daemon worked on.</summary>
public enum PolicyOutcome { Done, Skipped, Failed }

/// <summary>The outcome, why (for skipped and failed), and the bytes moved.</summary>
public sealed record PolicyFileResult(PolicyOutcome Outcome, string? Reason, long Bytes, string? State = null)
{
    public static PolicyFileResult Skip(string reason) => new(PolicyOutcome.Skipped, reason, 0);
}

// The daemon's way in: one file a policy selected, checked again now (the index may be old).
public sealed partial class TierEngine
{
    /// <summary>
    /// Archives, releases, migrates or recalls one file selected from the index. Skipped (not
    /// failed) when the file is not what the index said any more (moved, replaced, not a regular
    /// file), is open through the mount, or its data changed less than <paramref name="minAge"/>
    /// ago. The caller cancels <paramref name="ct"/> when a user opens the file meanwhile: the
    /// migration is then abandoned (an upload is dropped, nothing is released). A recall is the
    /// one `tierfs recall` by root makes (never refused, always queued), caused by the policy: an
    /// open file is no reason to skip it (an opener of the stub joins it), age is none either, and
    /// it is skipped when the file is no released stub of this mount's remote tier any more.
    /// </summary>
    public async Task<PolicyFileResult> RunForPolicyAsync(string path, FileKey expected, TierOp op, TimeSpan minAge,
        IProgress<long>? progress, CancellationToken ct)
    {
        if (op is not (TierOp.Archive or TierOp.Release or TierOp.Migrate or TierOp.Recall)) throw new ArgumentOutOfRangeException(nameof(op));
        var fd = OpenUnderRoot(path, out var error);
        if (fd < 0) return PolicyFileResult.Skip($"gone since the scan ({error})");
        var st = StubStore.Stat(fd);
        var key = new FileKey(st.Dev, st.Ino);
        if ((st.Mode & Libc.S_IFMT) != Libc.S_IFREG || key != expected)
        {
            Libc.Close(fd);
            return PolicyFileResult.Skip("replaced since the scan");
        }
        using var f = new TierFile(path, fd, key, st);
        if (op == TierOp.Recall)
        {
            if (NoReleasedStub(f) is { } why) return PolicyFileResult.Skip(why);
        }
        else
        {
            if (_mount.OpenHandles(key) > 0) return PolicyFileResult.Skip("in use (open through the mount)");
            var changedNs = NowNs() - StubStore.Ns(st.Mtime);
            if (changedNs < minAge.Ticks * 100) return PolicyFileResult.Skip($"changed {TimeSpan.FromTicks(Math.Max(0, changedNs / 100)).TotalSeconds:0}s ago (hot)");
        }

        var sink = progress is null ? NoSink : new ProgressSink(progress);
        var cause = op == TierOp.Recall ? RecallCause.Of(null, RecallTrigger.Policy) : null;
        var result = await RunOneAsync(new ControlRequest(op, [path], false), f, sink, ct, cause).ConfigureAwait(false);
        // Cancelled (a user opened the file, or the mount is stopping): not a failure to retry.
        if (ct.IsCancellationRequested) return PolicyFileResult.Skip("cancelled");
        if (!result.Ok) return new PolicyFileResult(PolicyOutcome.Failed, result.Error, 0, result.State);
        return new PolicyFileResult(PolicyOutcome.Done, null, f.Size, result.State);
    }

    /// <summary>
    /// Why a file a recall policy selected is not to be recalled by it now, or null: the index may
    /// be behind. Only a released stub of this mount's remote tier is; a lost one (its copy was
    /// found missing), one changed behind the mount (mismatch) or one of another remote tier never
    /// is, and one recalled meanwhile (by an open, say) has nothing left to recall.
    /// </summary>
    private string? NoReleasedStub(TierFile f)
    {
        StubRecord? record;
        // An unreadable record is no reason to skip: the recall refuses it, and the job counts it failed.
        try { record = StubStore.Read(f.PathFd); }
        catch (Exception e) when (e is IOException or CorruptStubException) { return null; }
        if (record is null) return "not a stub any more (resident)";
        var state = record.StateFor(f.Size, StubStore.Ns(f.Stat.Mtime));
        if (state != TierState.Released) return $"not a released stub any more ({TierStateNames.Name(state)})";
        return record.IsForeign(_remoteId) ? $"archived to the remote tier {record.Remote}, not this mount's ({_remoteId})" : null;
    }

    private static readonly IControlSink NoSink = new ProgressSink(null);

    private sealed class ProgressSink(IProgress<long>? progress) : IControlSink
    {
        public void Progress(string path, long done, long total) => progress?.Report(done);
        public void Result(FileResult result) { }
    }
}
