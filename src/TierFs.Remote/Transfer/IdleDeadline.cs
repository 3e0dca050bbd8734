namespace TierFs.Remote.Transfer;

/// <summary>
/// A cancellation token that fires when an operation makes no progress for the idle time (or when
/// the caller cancels). <see cref="Touch"/> on progress restarts the clock, so a large transfer on a
/// slow link lives as long as bytes move, and a dead server is noticed within the idle time.
/// </summary>
internal sealed class IdleDeadline : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly CancellationToken _caller;

    public IdleDeadline(TimeSpan idle, CancellationToken caller)
    {
        Idle = idle;
        _caller = caller;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(caller);
        _cts.CancelAfter(idle);
    }

    public TimeSpan Idle { get; }

    public CancellationToken Token => _cts.Token;

    /// <summary>True when the deadline, not the caller, cancelled the token.</summary>
    public bool Expired => _cts.IsCancellationRequested && !_caller.IsCancellationRequested;

    public void Touch()
    {
        try { _cts.CancelAfter(Idle); }
        catch (ObjectDisposedException) { }
    }

    public void Dispose() => _cts.Dispose();
}
