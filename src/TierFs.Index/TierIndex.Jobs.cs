using TierFs.Index.Reading;
using TierFs.Index.Writing;
using TierFs.Records;

namespace TierFs.Index;

/// <summary>The tiering daemon's job history and the files it will retry.</summary>
public sealed partial class TierIndex
{
    private long _lastJobId = -1;
    private readonly Lock _jobIds = new();

    /// <summary>A fresh job id (ids are handed out before the row is committed).</summary>
    public long NewJobId()
    {
        lock (_jobIds)
        {
            if (_lastJobId < 0) _lastJobId = _readers.Use(s => JobQueries.MaxJobId(s.Connection));
            return ++_lastJobId;
        }
    }

    /// <summary>The highest run number recorded (0 before the first).</summary>
    public long LastRun() => _readers.Use(s => JobQueries.MaxRun(s.Connection));

    /// <summary>Writes the whole job row (at its start, and again when it ends).</summary>
    public void PutJob(JobRow job)
    {
        ArgumentNullException.ThrowIfNull(job);
        _writer.Enqueue(new PutJob(job));
    }

    /// <summary>The newest <paramref name="n"/> jobs, oldest first.</summary>
    public IReadOnlyList<JobRow> RecentJobs(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        return n == 0 ? [] : _readers.Use(s => JobQueries.Recent(s.Connection, n));
    }

    public void PutRetry(RetryRow retry)
    {
        ArgumentNullException.ThrowIfNull(retry);
        _writer.Enqueue(new PutRetry(retry));
    }

    public void ClearRetry(FileKey key) => _writer.Enqueue(new ClearRetry(key));

    public IReadOnlyList<RetryRow> Retries() => _readers.Use(s => JobQueries.Retries(s.Connection));

    /// <summary>A recall's row of the recalls table (written with the next batch).</summary>
    public void AppendRecall(RecallRow recall)
    {
        ArgumentNullException.ThrowIfNull(recall);
        _writer.Enqueue(new PutRecall(recall));
    }
}
