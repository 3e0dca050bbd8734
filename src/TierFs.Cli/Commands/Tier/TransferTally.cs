namespace TierFs.Cli.Commands.Tier;

/// <summary>What a run has done so far, for the progress display (read from another thread).</summary>
public readonly record struct TallySnapshot(int FilesDone, int? FilesTotal, long BytesDone, long BytesTotal, string? Current, int Failed = 0)
{
    /// <summary>
    /// "3/10 files, 1 failed, 1.2 GiB/4.0 GiB": files finished (failed ones too) of the total once
    /// known, the failures when there are any, bytes once any moved.
    /// </summary>
    public string Summary
    {
        get
        {
            var files = FilesTotal is { } total ? $"{FilesDone}/{total} files" : $"{FilesDone} files";
            if (Failed > 0) files += $", {Failed} failed";
            return BytesTotal > 0 ? $"{files}, {ByteSize.Format(BytesDone)}/{ByteSize.Format(BytesTotal)}" : files;
        }
    }
}

/// <summary>
/// Adds up a run's reports: files finished, bytes moved and to move. The totals come from the
/// paths given (one result each, without -r) or the daemon's plan (with -r), the bytes from the
/// plan or else the sizes of the transfers seen so far.
/// </summary>
public sealed class TransferTally
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (long Done, long Total, string Shown)> _active = new(StringComparer.Ordinal);
    private int _expectedFiles;
    private bool _expectedKnown = true;
    private int _plannedFiles;
    private long _plannedBytes;
    private bool _planned;
    private int _filesDone;
    private int _failed;
    private long _bytesFinished;
    private string? _current;

    /// <summary>One more request: <paramref name="files"/> results to come, or null when unknown (-r).</summary>
    public void Expect(int? files)
    {
        lock (_gate)
        {
            if (files is { } n) _expectedFiles += n;
            else _expectedKnown = false;
        }
    }

    public void Planned(int files, long bytes)
    {
        lock (_gate)
        {
            _planned = true;
            _plannedFiles += files;
            _plannedBytes += bytes;
        }
    }

    public void Progress(string key, string shown, long done, long total)
    {
        lock (_gate)
        {
            _active[key] = (done, total, shown);
            _current = shown;
        }
    }

    public void FileDone(string key, bool ok = true)
    {
        lock (_gate)
        {
            _filesDone++;
            if (!ok) _failed++;
            if (!_active.Remove(key, out var t)) return;
            _bytesFinished += t.Total; // failed or not, these bytes are behind us
            if (_current == t.Shown) _current = _active.Count > 0 ? _active.Values.Last().Shown : null;
        }
    }

    public TallySnapshot Snapshot()
    {
        lock (_gate)
        {
            long activeDone = 0, activeTotal = 0;
            foreach (var (done, total, _) in _active.Values)
            {
                activeDone += done;
                activeTotal += total;
            }
            var bytesDone = _bytesFinished + activeDone;
            var bytesTotal = Math.Max(_planned ? _plannedBytes : 0, _bytesFinished + activeTotal);
            // Without -r each path gives exactly one result; with it, the plan counts the files found.
            int? files = _expectedKnown ? _expectedFiles : _planned ? _plannedFiles : null;
            // Files with nothing to move (already archived, state, release) report no bytes: once
            // every file is done, so are the bytes.
            if (files is { } all && _filesDone >= all) bytesDone = bytesTotal;
            return new TallySnapshot(_filesDone, files is { } f ? Math.Max(f, _filesDone) : null, bytesDone, bytesTotal, _current, _failed);
        }
    }
}
