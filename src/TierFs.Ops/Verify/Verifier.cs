using TierFs.Common;
using TierFs.Index;
using TierFs.Ops.Alarms;
using TierFs.Records;
using TierFs.Remote;
using TierFs.Tiering.Config;
using TierFs.Tiering.Control;
using TierFs.Tiering.Engine;

namespace TierFs.Ops.Verify;

/// <summary>
/// Checks the index against the remote tier: every archived, released and lost file the index
/// knows (the engine checks each: its record against the index's row, its object, its data), then
/// the objects under the mount's data/ prefix that no record references (orphans). A whole-mount run
/// lists data/ once, beside the files' checks: at object level that listing also answers for each
/// file's object (size and ETag; a HEAD only where it cannot). A difference is
/// looked at once more after the index has taken every write queued (a migration racing the check
/// is not a difference). The run, its differences and an alarm (when it found any) are kept in the
/// index, and the run is an entry of the operation log (op "verify", written through the
/// engine's journal: it reaches the peer node as every other entry does). One run at a time.
/// </summary>
public sealed class Verifier(TierIndex index, TierEngine engine, IRemoteStore remote, ConfigHolder configs, AlarmBook alarms, ITierJournal journal)
{
    private const string Source = "verify";
    private readonly SemaphoreSlim _one = new(1, 1);

    /// <summary>A run ended (recorded ones only): the metrics take its time and counts.</summary>
    public event Action<VerifyRunRow>? Finished;

    public async Task<VerifyRunRow> RunAsync(VerifyRequest request, IVerifyReport? report, CancellationToken ct)
    {
        await _one.WaitAsync(ct).ConfigureAwait(false);
        try { return await RunLockedAsync(request, report, ct).ConfigureAwait(false); }
        finally { _one.Release(); }
    }

    private async Task<VerifyRunRow> RunLockedAsync(VerifyRequest request, IVerifyReport? report, CancellationToken ct)
    {
        var config = configs.Current;
        var row = new VerifyRunRow
        {
            Id = request.Records ? index.NewVerifyRunId() : 0,
            StartedMs = NowMs(),
            Level = VerifyLevels.Name(request.Level),
            Trigger = request.Trigger,
            Scope = request.WholeMount ? null : string.Join(" ", request.Paths),
            Repair = request.Repair,
            Status = VerifyRunRow.StatusRunning,
        };
        if (request.Records) index.PutVerifyRun(row);
        var tally = new VerifyTally();
        var seq = 0L;
        var gate = new Lock();
        void Record(VerifyFinding f, string? repair)
        {
            tally.Finding(f.Kind);
            report?.Found(f, repair);
            if (!request.Records) return;
            lock (gate) index.PutVerifyDiff(new VerifyDiffRow(row.Id, ++seq, VerifyKinds.Name(f.Kind), f.Path, f.ObjectKey, f.Detail, repair));
        }

        string? failure = null;
        Task<List<ListedObject>>? listing = null;
        using var stopListing = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            index.Flush(); // the engine's last records count
            var rows = new[] { StubRecord.StateArchived, StubRecord.StateReleased, StubRecord.StateLost }
                .SelectMany(index.LoadByState).Where(r => request.Covers(r.Path)).ToList();
            report?.Planned(rows.Count);
            // The orphan listing needs nothing from the files' checks: its LIST requests go beside their HEADs.
            listing = request.WholeMount && request.Level != VerifyLevel.Meta ? ListDataAsync(stopListing.Token) : null;
            // At object level the same listing answers for each file's object (a HEAD only where it cannot).
            var listed = listing is not null && request.Level == VerifyLevel.Object ? new ListedCopies(listing) : null;
            using var progress = new Timer(_ => report?.Progress(tally.Done, rows.Count, tally.Differences), null, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));
            // Data: each file is downloaded whole; fewer at once keeps the remote's bandwidth for recalls.
            var parallel = request.Level == VerifyLevel.Data ? Math.Min(4, config.Verify.Concurrency) : config.Verify.Concurrency;
            await Parallel.ForEachAsync(rows, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = ct }, async (r, token) =>
            {
                var verdict = await CheckAsync(r, request.Level, listed, token).ConfigureAwait(false);
                tally.File(verdict);
                foreach (var f in verdict.Findings)
                {
                    var repair = request.Repair && VerifyKinds.IsDifference(f.Kind)
                        ? await engine.RepairAsync(f, r.Key, request.DryRun, token).ConfigureAwait(false)
                        : ((bool, string)?)null;
                    if (repair is { Item1: true }) tally.Repaired();
                    Record(f, repair?.Item2);
                }
            }).ConfigureAwait(false);
            if (listing is not null)
                await OrphansAsync(await listing.ConfigureAwait(false), request, config, tally, Record, ct).ConfigureAwait(false);
            report?.Progress(tally.Done, rows.Count, tally.Differences);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            failure = "cancelled";
        }
        catch (Exception e) when (e is RemoteException or IOException or IndexException)
        {
            failure = e.Message;
            Log.Error(Source, $"verify run {row.Id} failed: {e.Message}");
        }
        finally
        {
            // A run that ended early leaves no listing behind it.
            if (listing is { IsCompleted: false })
            {
                await stopListing.CancelAsync().ConfigureAwait(false);
                await ((Task)listing).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        var status = failure == "cancelled" ? VerifyRunRow.StatusCancelled
            : failure is not null ? VerifyRunRow.StatusError
            : tally.Differences > 0 ? VerifyRunRow.StatusDifferences
            : tally.Count(VerifyKind.Error) > 0 ? VerifyRunRow.StatusError
            : VerifyRunRow.StatusClean;
        var done = tally.Into(row) with { FinishedMs = NowMs(), Status = status, Message = failure };
        if (!request.Records) return done;
        index.PutVerifyRun(done);
        journal.Log(LogEntry(done, tally.BytesChecked));
        Log.Info(Source, $"verify run {done.Id} ({done.Level}, {done.Trigger}) {done.Status}: {Summary(done)} in {done.Duration.TotalSeconds:0.0}s");
        if (done.Differences > 0)
            alarms.Raise("verify", done.Id, $"verify run {done.Id} ({done.Level}) found {done.Differences} difference(s) between the index and the remote tier: {Summary(done)}" +
                                          (done.Repair ? $"; {done.Repaired} repaired" : "") + $" (tierfs verify shows them; run {done.Id} is in the verify_diffs table)");
        index.Flush(); // the history is readable once the run has returned
        Finished?.Invoke(done);
        return done;
    }

    /// <summary>
    /// The run as an operation log entry: its scope as the path (none: the whole mount), the bytes of
    /// the objects it checked, its time; failed (with the counts) when it found differences or could
    /// not finish.
    /// </summary>
    internal static LogLine LogEntry(VerifyRunRow run, long bytesChecked)
    {
        var error = run.Status switch
        {
            VerifyRunRow.StatusClean => null,
            VerifyRunRow.StatusDifferences => $"run {run.Id} ({run.Level}) found {run.Differences} difference(s): {Summary(run)}",
            _ => $"run {run.Id} ({run.Level}) {run.Status}: {run.Message ?? Summary(run)}",
        };
        return new LogLine(OpLogEntry.OpVerify, run.Scope, null, bytesChecked, run.Duration, error);
    }

    /// <summary>"1 missing, 0 size differs, ...": the counts by kind.</summary>
    public static string Summary(VerifyRunRow r) =>
        $"{r.Files} files, {r.Objects} objects: {r.Missing} missing, {r.SizeDiffers} size differs, {r.ChecksumDiffers} checksum differs, " +
        $"{r.Orphans} orphans, {r.RecordIndex} record/index" + (r.Foreign > 0 ? $", {r.Foreign} of another remote" : "") + (r.Errors > 0 ? $", {r.Errors} errors" : "");

    /// <summary>
    /// One file (its object from <paramref name="listed"/> where the listing can answer), and if the
    /// engine finds a difference, again once every write queued before has reached the index (its object by a HEAD, as it is now).
    /// </summary>
    private async Task<FileVerdict> CheckAsync(TierRow r, VerifyLevel level, ListedCopies? listed, CancellationToken ct)
    {
        var verdict = await engine.VerifyFileAsync(r.Path ?? "", r.Key, r.Record, level, listed, ct).ConfigureAwait(false);
        if (!verdict.Findings.Any(f => VerifyKinds.IsDifference(f.Kind))) return verdict;
        index.Flush();
        var now = index.Get(r.Key);
        // Gone from the index meanwhile (unlinked, recalled under a pair): nothing to compare any more.
        if (now is null || !now.Record.HasArchive) return verdict with { Findings = [] };
        return await engine.VerifyFileAsync(now.Path ?? r.Path ?? "", now.Key, now.Record, level, null, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Objects under data/ that no record references and no deletion is queued for, and part
    /// manifests whose object is gone (an upload that could not clean up after itself; a manifest
    /// beside its object is part of it, never an orphan). The listing (one pass, made while the files
    /// are checked) comes first, the index is read after it, and read again for what looks orphaned: an upload that finished before the
    /// listing has its record in the index by then (the uploads under way at the listing are waited
    /// for, at most 30 s, as their records follow their objects); a manifest's object is asked for once more (an
    /// upload puts the manifest in place just before its object). A repair queues an orphan older
    /// than delete_grace for deletion (the delete pass checks the references once more; deleting an
    /// object deletes its manifest).
    /// </summary>
    private async Task OrphansAsync(List<ListedObject> listing, VerifyRequest request, TierFsConfig config, VerifyTally tally, Action<VerifyFinding, string?> record, CancellationToken ct)
    {
        var listed = listing.Where(l => !l.Manifest).Select(l => l.Info).ToList();
        var manifests = listing.Where(l => l.Manifest).Select(l => l.Info);
        index.Flush();
        var objects = listed.Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
        var candidates = Unreferenced(listed.Concat(manifests.Where(m => !objects.Contains(m.Key))).ToList());
        if (candidates.Count == 0) return;
        // An upload whose object was listed writes its record just after: the uploads under way now end first.
        if (!await engine.Transfers.WaitForCurrentAsync(SettleLimit, ct).ConfigureAwait(false))
            Log.Info(Source, $"transfers still under way after {SettleLimit.TotalSeconds:0}s: an object they upload may be reported as an orphan once");
        index.Flush();
        var now = DateTimeOffset.UtcNow;
        foreach (var o in Unreferenced(candidates))
        {
            var isManifest = !objects.Contains(o.Key);
            if (isManifest && await remote.HeadAsync(o.Key, ct).ConfigureAwait(false) is not null) continue; // its object came meanwhile
            var finding = isManifest
                ? new VerifyFinding(VerifyKind.Orphan, null, PartManifest.KeyFor(o.Key),
                    $"a part manifest whose object {o.Key} is gone ({o.Length} bytes, written {o.LastModified.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z)")
                : new VerifyFinding(VerifyKind.Orphan, null, o.Key,
                    $"no record references it ({o.Length} bytes, written {o.LastModified.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z)");
            string? repair = null;
            if (request.Repair)
            {
                if (now - o.LastModified < config.Remote.DeleteGrace)
                    repair = $"kept: younger than delete_grace ({Units.FormatDuration(config.Remote.DeleteGrace)})";
                else if (request.DryRun)
                    repair = "would queue it for deletion";
                else
                {
                    // A manifest goes with its object's deletion (the object's key is what the queue and the stores name).
                    index.EnqueueDelete(o.Key, now.ToUnixTimeMilliseconds(), isManifest ? "orphan part manifest (verify --repair)" : "orphan (verify --repair)", null, remote.Identity);
                    tally.Repaired();
                    repair = "queued for deletion (the delete pass checks again that no record references it)";
                }
            }
            record(finding, repair);
        }
    }

    /// <summary>The objects and part manifests under data/, from one listing.</summary>
    private async Task<List<ListedObject>> ListDataAsync(CancellationToken ct)
    {
        var listed = new List<ListedObject>();
        await foreach (var o in remote.ListWithManifestsAsync(DataPrefix, ct).ConfigureAwait(false)) listed.Add(o);
        return listed;
    }

    private const string DataPrefix = "data/";
    private static readonly TimeSpan SettleLimit = TimeSpan.FromSeconds(30);

    private List<RemoteObjectInfo> Unreferenced(IReadOnlyList<RemoteObjectInfo> listed)
    {
        var referenced = index.ReferencedObjectKeys();
        var queued = index.PendingDeleteKeys();
        return listed.Where(o => !referenced.Contains(o.Key) && !queued.Contains(o.Key)).ToList();
    }

    private static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
