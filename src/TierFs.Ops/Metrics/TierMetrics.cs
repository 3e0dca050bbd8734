using Prometheus;
using TierFs.Index;

namespace TierFs.Ops.Metrics;

/// <summary>
/// The mount's Prometheus metrics (a registry of its own, no process metrics): counters of the
/// engine's operations since the mount started, and gauges set from an <see cref="OpsSnapshot"/>
/// before each scrape, so they are the numbers `tierfs report` and `tierfs status` show.
/// </summary>
public sealed class TierMetrics
{
    private readonly Counter _migratedFiles, _migratedBytes, _releasedFiles, _releasedBytes, _recalledFiles, _recalledBytes, _failures, _collections;
    private readonly Gauge _files, _bytes, _onDisk, _remoteObjects, _remoteBytes, _pendingDeletes, _recalls, _transfers, _queueFiles, _queueBytes,
        _backingUsed, _backingSize, _lastVerify, _lastDifferences, _openAlarms, _peerConfigured, _peerUp, _peerLag, _collectSeconds;
    private readonly Histogram _jobDuration;
    private long _lastJobSeen;
    private readonly Lock _update = new();

    public CollectorRegistry Registry { get; } = Prometheus.Metrics.NewCustomRegistry();

    public RateHistory Rates { get; } = new(TimeSpan.FromHours(6));

    public TierMetrics()
    {
        var f = Prometheus.Metrics.WithCustomRegistry(Registry);
        _migratedFiles = f.CreateCounter("tierfs_migrated_files_total", "Files copied to the remote tier (archived) since the mount started.");
        _migratedBytes = f.CreateCounter("tierfs_migrated_bytes_total", "Bytes copied to the remote tier (archived) since the mount started.");
        _releasedFiles = f.CreateCounter("tierfs_released_files_total", "Files released to stubs since the mount started.");
        _releasedBytes = f.CreateCounter("tierfs_released_bytes_total", "Bytes of local data released since the mount started.");
        _recalledFiles = f.CreateCounter("tierfs_recalled_files_total", "Stubs recalled since the mount started.");
        _recalledBytes = f.CreateCounter("tierfs_recalled_bytes_total", "Bytes recalled from the remote tier since the mount started.");
        _failures = f.CreateCounter("tierfs_failed_operations_total", "Operations that failed since the mount started, by operation.", "op");
        _files = f.CreateGauge("tierfs_files", "Regular files by tier state (as tierfs report counts them).", "state");
        _bytes = f.CreateGauge("tierfs_bytes", "Bytes of regular files by tier state (a released file counts its full size).", "state");
        _onDisk = f.CreateGauge("tierfs_on_disk_bytes", "Bytes the files of each tier state hold on the local disk.", "state");
        _remoteObjects = f.CreateGauge("tierfs_remote_objects", "Objects the records reference on the remote tier, by pair.", "pair");
        _remoteBytes = f.CreateGauge("tierfs_remote_bytes", "Bytes of the objects the records reference on the remote tier, by pair.", "pair");
        _pendingDeletes = f.CreateGauge("tierfs_pending_remote_deletions", "Remote objects queued for deletion.");
        _recalls = f.CreateGauge("tierfs_recalls_in_flight", "Recalls under way.");
        _transfers = f.CreateGauge("tierfs_transfers_in_flight", "Uploads and commanded recalls under way.");
        _queueFiles = f.CreateGauge("tierfs_queue_files", "Files the daemon's run under way has still to move.");
        _queueBytes = f.CreateGauge("tierfs_queue_bytes", "Bytes the daemon's run under way has still to move.");
        _jobDuration = f.CreateHistogram("tierfs_job_duration_seconds", "Durations of the daemon's finished jobs.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(1, 4, 9) });
        _backingUsed = f.CreateGauge("tierfs_backing_used_bytes", "Bytes used on the backing filesystem (local tier).");
        _backingSize = f.CreateGauge("tierfs_backing_size_bytes", "Bytes usable on the backing filesystem in all (used + available).");
        _lastVerify = f.CreateGauge("tierfs_last_verify_success_timestamp_seconds", "When the last verify run that found the tiers in agreement ended (unix time; 0: never).");
        _lastDifferences = f.CreateGauge("tierfs_last_verify_differences", "Differences the last verify run found.");
        _openAlarms = f.CreateGauge("tierfs_open_alarms", "Alarms raised and not acknowledged.");
        _peerConfigured = f.CreateGauge("tierfs_peer_configured", "1 when a peer node is configured.");
        _peerUp = f.CreateGauge("tierfs_peer_up", "1 while the peer link is up.");
        _peerLag = f.CreateGauge("tierfs_peer_lag_entries", "Operation log entries waiting to reach the peer (to_peer) or to come from it (from_peer).", "direction");
        _collections = f.CreateCounter("tierfs_status_collections_total", "Times the mount's numbers were collected for the metrics and the status page (requests within a collection's freshness share it).");
        _collectSeconds = f.CreateGauge("tierfs_status_collect_seconds", "How long the last collection of the mount's numbers took.");
    }

    /// <summary>How many collections the metrics and the status page ran, and how long the last one took.</summary>
    public void Collected(long collections, TimeSpan lastDuration)
    {
        _collections.IncTo(collections);
        _collectSeconds.Set(lastDuration.TotalSeconds);
    }

    /// <summary>Sets the gauges to the snapshot before a scrape.</summary>
    public void Update(OpsSnapshot s, IReadOnlyList<JobRow> recentJobs)
    {
        lock (_update) UpdateLocked(s, recentJobs);
    }

    private void UpdateLocked(OpsSnapshot s, IReadOnlyList<JobRow> recentJobs)
    {
        foreach (var st in s.States)
        {
            _files.WithLabels(st.State).Set(st.Files);
            _bytes.WithLabels(st.State).Set(st.Bytes);
            _onDisk.WithLabels(st.State).Set(st.OnDisk);
        }
        foreach (var p in s.Remote)
        {
            _remoteObjects.WithLabels(p.Pair ?? "").Set(p.Objects);
            _remoteBytes.WithLabels(p.Pair ?? "").Set(p.Bytes);
        }
        _pendingDeletes.Set(s.PendingDeletes.Count);
        _recalls.Set(s.RecallsInFlight);
        _transfers.Set(s.TransfersInFlight);
        var (queueFiles, queueBytes) = s.Queue;
        _queueFiles.Set(queueFiles);
        _queueBytes.Set(queueBytes);
        _backingUsed.Set(s.BackingUsed);
        _backingSize.Set(s.BackingSize);
        _lastVerify.Set(s.LastCleanVerify is { } clean ? clean.FinishedMs / 1000.0 : 0);
        _lastDifferences.Set(s.VerifyRuns.LastOrDefault(r => r.Status != VerifyRunRow.StatusRunning)?.Differences ?? 0);
        _openAlarms.Set(s.OpenAlarms.Count);
        _peerConfigured.Set(s.Peer is null ? 0 : 1);
        _peerUp.Set(s.Peer is { Reachable: true } ? 1 : 0);
        _peerLag.WithLabels("to_peer").Set(s.Peer?.WaitingOut ?? 0);
        _peerLag.WithLabels("from_peer").Set(s.Peer?.WaitingIn ?? 0);
        // Each finished job once: the histogram grows with the job history.
        foreach (var job in recentJobs.Where(j => j.FinishedMs > 0 && j.Id > _lastJobSeen))
        {
            _jobDuration.Observe(job.Duration.TotalSeconds);
            _lastJobSeen = job.Id;
        }
    }

    /// <summary>One operation the engine logged.</summary>
    public void Operation(string op, long bytes, bool ok)
    {
        if (!ok)
        {
            _failures.WithLabels(op).Inc();
            return;
        }
        switch (op)
        {
            case "archive":
                _migratedFiles.Inc();
                _migratedBytes.Inc(bytes);
                break;
            case "release":
                _releasedFiles.Inc();
                _releasedBytes.Inc(bytes);
                break;
            case "recall":
                _recalledFiles.Inc();
                _recalledBytes.Inc(bytes);
                break;
        }
        Rates.Add(op, bytes);
    }
}
