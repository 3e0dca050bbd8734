namespace TierFs.Remote.Transfer;

/// <summary>Adds up bytes done by parallel parts and reports the running total, always increasing.</summary>
internal sealed class ProgressCounter(IProgress<long>? progress)
{
    private readonly Lock _gate = new();
    private long _done;

    public long Done
    {
        get { lock (_gate) return _done; }
    }

    public void Add(long bytes)
    {
        if (bytes <= 0) return;
        lock (_gate)
        {
            _done += bytes;
            progress?.Report(_done);
        }
    }
}
