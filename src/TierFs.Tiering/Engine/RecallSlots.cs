namespace TierFs.Tiering.Engine;

/// <summary>How many recalls run and wait, against the limits in force (`tierfs status`).</summary>
public sealed record RecallLoad(int Running, int Queued, int MaxConcurrent, int MaxQueued);

/// <summary>
/// At most <c>recall.max_concurrent</c> recalls download at once; the others wait their turn in
/// order, at most <c>recall.max_queued</c> of them (a recall that would be one more is not
/// started). The limits are read at each decision, so a reload applies to the next one.
/// </summary>
public sealed class RecallSlots(Func<int> maxConcurrent, Func<int> maxQueued)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<Ticket> _waiting = new();
    private int _running;
    // Tickets handed out and not running yet: waiting in line, or on their way to it.
    private int _queued;

    public RecallLoad Load
    {
        get { lock (_gate) return new RecallLoad(_running, _queued, maxConcurrent(), maxQueued()); }
    }

    /// <summary>A place in the queue, or null when it is full. <paramref name="always"/>: root's commands are never turned away.</summary>
    public Ticket? TryQueue(bool always)
    {
        lock (_gate)
        {
            // Room is max_concurrent running plus max_queued waiting: a ticket handed out a moment ago may
            // not have asked for its turn yet, and then counts as queued although a slot is free for it.
            if (!always && _running + _queued >= maxConcurrent() + maxQueued()) return null;
            _queued++;
        }
        return new Ticket(this);
    }

    /// <summary>One recall's place: wait for its turn with <see cref="EnterAsync"/>; dispose it when the recall ends (or never runs).</summary>
    public sealed class Ticket : IDisposable
    {
        private readonly RecallSlots _slots;
        private readonly TaskCompletionSource _turn = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private LinkedListNode<Ticket>? _node;
        private bool _running, _done;

        internal Ticket(RecallSlots slots) => _slots = slots;

        /// <summary>Returns when this recall may run; throws when <paramref name="ct"/> is cancelled first.</summary>
        public async Task EnterAsync(CancellationToken ct)
        {
            lock (_slots._gate)
            {
                if (_running || _done) return;
                _node = _slots._waiting.AddLast(this);
                _slots.Promote();
            }
            using (ct.Register(Leave))
                await _turn.Task.ConfigureAwait(false);
        }

        private void Leave()
        {
            lock (_slots._gate)
            {
                if (_running || _node?.List is null) return;
                _slots._waiting.Remove(_node);
            }
            _turn.TrySetCanceled();
        }

        public void Dispose()
        {
            lock (_slots._gate)
            {
                if (_done) return;
                _done = true;
                if (_running) _slots._running--;
                else
                {
                    if (_node?.List is not null) _slots._waiting.Remove(_node);
                    _slots._queued--;
                }
                _slots.Promote();
            }
        }

        internal void Run()
        {
            _running = true;
            _turn.TrySetResult();
        }
    }

    // Under the lock: the first in line run while there is room.
    private void Promote()
    {
        while (_running < maxConcurrent() && _waiting.First is { } first)
        {
            _waiting.RemoveFirst();
            _queued--;
            _running++;
            first.Value.Run();
        }
    }
}
