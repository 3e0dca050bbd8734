using System.Runtime.ExceptionServices;
using TierFs.Tiering.Config;

namespace TierFs.Tiering.Movers;

/// <summary>Who submitted work: an administrator's command (`tierfs migrate ...`) or a daemon job.</summary>
public enum SubmitterKind { Command, Job }

/// <summary>A submission as `tierfs status` shows it: files moving now, files waiting for a worker.</summary>
public sealed record SubmissionView(string Name, SubmitterKind Kind, int Moving, int Waiting);

/// <summary>
/// The mount's one pool of movers: every file a command (`tierfs archive|release|migrate|recall|
/// check|resolve`) or a daemon job works on runs here, at most <see cref="Limit"/> at once
/// (`schedule.workers`; a reload changes it at once: more workers start, or no new file starts
/// until fewer are busy than the new limit).
/// <para>
/// Fair between submissions: each worker that comes free takes the next file of the submission
/// that has the fewest files moving, a command before a job when they have as many, else the one
/// submitted first. So a command gets the next worker that comes free however long the job's queue
/// is, and a command and a job share the workers evenly. A worker is never taken from a file under
/// way (its upload would be lost). Within a submission, files start in the order given (large
/// files first, as the submitter sorts them).
/// </para>
/// <para>
/// Cancelling a submission's token starts none of its waiting files; those under way see the
/// token. A recall on open (a user's open of a stub) is not work of this pool: it must never queue
/// behind migrations.
/// </para>
/// </summary>
public sealed class MoverPool
{
    private readonly Lock _gate = new();
    private readonly List<Submission> _active = [];
    private int _limit;
    private int _busy;
    private long _submitted;

    public MoverPool(int limit) => Limit = limit;

    /// <summary>A pool whose limit is the configuration's `schedule.workers`, following reloads.</summary>
    public MoverPool(ConfigHolder configs) : this(configs.Current.Schedule.Workers) =>
        configs.Changed += c => Limit = c.Schedule.Workers;

    /// <summary>The most files moving at once.</summary>
    public int Limit
    {
        get
        {
            lock (_gate) return _limit;
        }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            lock (_gate) _limit = value;
            Pump();
        }
    }

    /// <summary>Files moving now.</summary>
    public int Busy
    {
        get
        {
            lock (_gate) return _busy;
        }
    }

    /// <summary>The submissions with files moving or waiting, in the order they came.</summary>
    public IReadOnlyList<SubmissionView> Snapshot()
    {
        lock (_gate) return _active.Select(s => new SubmissionView(s.Name, s.Kind, s.Moving, s.Waiting)).ToList();
    }

    /// <summary>
    /// Runs <paramref name="work"/> on each item, in this order, on the pool's workers, and returns
    /// when all have run. When <paramref name="ct"/> is cancelled, the items not started are
    /// dropped; the call returns once those under way have ended, with an OperationCanceledException.
    /// When <paramref name="work"/> throws (anything but a cancellation of <paramref name="ct"/>), no
    /// further item starts and the first such exception is rethrown once those under way have ended.
    /// </summary>
    public async Task RunAsync<T>(string name, SubmitterKind kind, IReadOnlyList<T> items, Func<T, CancellationToken, ValueTask> work, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(work);
        ct.ThrowIfCancellationRequested();
        if (items.Count == 0) return;
        Submission<T> submission;
        lock (_gate)
        {
            submission = new Submission<T>(name, kind, ++_submitted, items, work, ct);
            _active.Add(submission);
        }
        using (ct.Register(() => Stop(submission)))
        {
            Pump();
            await submission.Done.Task.ConfigureAwait(false);
        }
        if (submission.Failure is { } failure) failure.Throw();
        if (submission.Cancelled || ct.IsCancellationRequested) throw new OperationCanceledException(ct);
    }

    private void Stop(Submission submission)
    {
        lock (_gate)
        {
            submission.Cancelled = true;
            EndIfOver(submission);
        }
    }

    /// <summary>Gives free workers to waiting files, fairly (see the class).</summary>
    private void Pump()
    {
        List<(Submission, Func<Task>)>? starts = null;
        lock (_gate)
        {
            while (_busy < _limit && Next() is { } next)
            {
                var start = next.TakeNext();
                _busy++;
                next.Moving++;
                (starts ??= []).Add((next, start));
            }
        }
        if (starts is null) return;
        foreach (var (submission, start) in starts) _ = MoveAsync(submission, start);
    }

    // Under _gate: the submission whose turn it is, or null when no file waits.
    private Submission? Next()
    {
        Submission? best = null;
        foreach (var s in _active)
        {
            if (!s.MayStart) continue;
            if (best is null || (s.Moving, (int)s.Kind, s.Order).CompareTo((best.Moving, (int)best.Kind, best.Order)) < 0) best = s;
        }
        return best;
    }

    private async Task MoveAsync(Submission submission, Func<Task> start)
    {
        try
        {
            // Off the caller's thread: a worker never runs inside whoever freed it.
            await Task.Run(start).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (submission.Token.IsCancellationRequested)
        {
            // the submission was cancelled: Stop has seen to it
        }
        catch (Exception e)
        {
            lock (_gate) submission.Failure ??= ExceptionDispatchInfo.Capture(e);
        }
        finally
        {
            lock (_gate)
            {
                _busy--;
                submission.Moving--;
                EndIfOver(submission);
            }
            Pump();
        }
    }

    // Under _gate: a submission with nothing moving and nothing left to start is over.
    private void EndIfOver(Submission submission)
    {
        if (submission.Moving > 0 || submission.MayStart) return;
        _active.Remove(submission);
        submission.Done.TrySetResult();
    }

    private abstract class Submission(string name, SubmitterKind kind, long order, CancellationToken token)
    {
        public string Name { get; } = name;
        public SubmitterKind Kind { get; } = kind;
        public long Order { get; } = order;
        public CancellationToken Token { get; } = token;
        public readonly TaskCompletionSource Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        // The rest is guarded by the pool's gate.
        public int Moving;
        public bool Cancelled;
        public ExceptionDispatchInfo? Failure;
        public abstract int Waiting { get; }
        // The token is asked too: a file under way may see the cancellation (and end) before Stop runs.
        public bool MayStart => !Cancelled && !Token.IsCancellationRequested && Failure is null && Waiting > 0;

        /// <summary>Takes the next item; the returned function moves it.</summary>
        public abstract Func<Task> TakeNext();
    }

    private sealed class Submission<T>(string name, SubmitterKind kind, long order, IReadOnlyList<T> items, Func<T, CancellationToken, ValueTask> work,
        CancellationToken token) : Submission(name, kind, order, token)
    {
        private int _next;

        public override int Waiting => items.Count - _next;

        public override Func<Task> TakeNext()
        {
            var item = items[_next++];
            return () => work(item, Token).AsTask();
        }
    }
}
