using TierFs.Tiering.Config;
using TierFs.Tiering.Movers;

namespace TierFs.Tests.Tiering;

/// <summary>The mount's one pool of movers: one limit, fair between submitters, order within a submission, cancellation, reload.</summary>
public class MoverPoolTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private static string[] Names(string prefix, int n) => Enumerable.Range(0, n).Select(i => $"{prefix}{i}").ToArray();

    [Fact]
    public async Task A_command_and_a_job_together_never_move_more_files_than_the_limit()
    {
        var pool = new MoverPool(3);
        var moves = new GatedMoves();
        var job = pool.RunAsync("job 1 (p)", SubmitterKind.Job, Names("j", 8), moves.Move, CancellationToken.None);
        var command = pool.RunAsync("tierfs migrate", SubmitterKind.Command, Names("c", 5), moves.Move, CancellationToken.None);
        // Workers come free one at a time; each time the pool fills up again, never past its limit.
        moves.ReleaseOneAtATime(13, 3, () => pool.Busy);
        await Task.WhenAll(job, command).WaitAsync(Bound);
        Assert.Equal(3, moves.MaxMoving);
        Assert.Equal(13, moves.Started.Count);
        Assert.Equal(0, pool.Busy);
        Assert.Empty(pool.Snapshot());
    }

    [Fact]
    public async Task A_command_gets_the_next_free_worker_before_the_jobs_queue_drains()
    {
        var pool = new MoverPool(2);
        var moves = new GatedMoves();
        var job = pool.RunAsync("job 1 (big)", SubmitterKind.Job, Names("j", 10), moves.Move, CancellationToken.None);
        moves.Await(m => m.Moving == 2, "the job takes both workers");
        var command = pool.RunAsync("tierfs recall", SubmitterKind.Command, Names("c", 2), moves.Move, CancellationToken.None);
        Assert.Equal([new SubmissionView("job 1 (big)", SubmitterKind.Job, 2, 8), new SubmissionView("tierfs recall", SubmitterKind.Command, 0, 2)], pool.Snapshot());

        moves.ReleaseOne(); // one of the job's files ends: its worker goes to the command, not to the job's next file
        moves.Await(m => m.Started.Count == 3, "a file starts on the freed worker");
        Assert.Equal("c0", moves.Started[2]);
        // From then on they share: the command's second file comes before all but one more of the job's.
        moves.ReleaseOne();
        moves.Await(m => m.Started.Count == 4, "a file starts on the freed worker");
        moves.ReleaseOne();
        moves.Await(m => m.Started.Count == 5, "a file starts on the freed worker");
        Assert.Contains("c1", moves.Started.Take(5));
        moves.ReleaseAll();
        await Task.WhenAll(job, command).WaitAsync(Bound);
        Assert.Equal(2, moves.MaxMoving);
    }

    [Fact]
    public async Task Files_of_a_submission_start_in_the_order_given()
    {
        var pool = new MoverPool(1);
        var moves = new GatedMoves();
        var run = pool.RunAsync("tierfs migrate", SubmitterKind.Command, ["large", "medium", "small"], moves.Move, CancellationToken.None);
        for (var i = 1; i <= 3; i++)
        {
            moves.Await(m => m.Started.Count == i, "the next file starts");
            moves.ReleaseOne();
        }
        await run.WaitAsync(Bound);
        Assert.Equal(["large", "medium", "small"], moves.Started);
    }

    [Fact]
    public async Task Cancelling_a_command_cancels_its_files_and_starts_none_of_the_rest_while_the_job_goes_on()
    {
        var pool = new MoverPool(2);
        var moves = new GatedMoves();
        var job = pool.RunAsync("job 1 (p)", SubmitterKind.Job, Names("j", 3), moves.Move, CancellationToken.None);
        moves.Await(m => m.Moving == 2, "the job takes both workers");
        using var ctrlC = new CancellationTokenSource();
        var command = pool.RunAsync("tierfs migrate", SubmitterKind.Command, Names("c", 4), moves.Move, ctrlC.Token);
        moves.ReleaseOne();
        moves.Await(m => m.Started.Contains("c0"), "the command's first file starts");
        ctrlC.Cancel(); // c0 under way sees it; c1..c3 never start
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => command.WaitAsync(Bound));
        moves.ReleaseAll();
        await job.WaitAsync(Bound);
        Assert.DoesNotContain(moves.Started, s => s is "c1" or "c2" or "c3");
        Assert.Equal(["j0", "j1", "j2"], moves.Started.Where(s => s[0] == 'j').Order());
    }

    [Fact]
    public async Task A_failing_file_stops_its_submission_and_its_error_is_rethrown()
    {
        var pool = new MoverPool(1);
        var started = new List<string>();
        var run = pool.RunAsync("tierfs migrate", SubmitterKind.Command, ["a", "b", "c"], (name, _) =>
        {
            started.Add(name);
            return name == "b" ? throw new InvalidOperationException("boom") : ValueTask.CompletedTask;
        }, CancellationToken.None);
        Assert.Equal("boom", (await Assert.ThrowsAsync<InvalidOperationException>(() => run.WaitAsync(Bound))).Message);
        Assert.Equal(["a", "b"], started);
        Assert.Equal(0, pool.Busy);
    }

    [Fact]
    public async Task A_reload_changes_the_limit_at_once()
    {
        var holder = new ConfigHolder(new TierFsConfig { Schedule = new ScheduleConfig { Workers = 1 } });
        var pool = new MoverPool(holder);
        var moves = new GatedMoves();
        var run = pool.RunAsync("job 1 (p)", SubmitterKind.Job, Names("j", 6), moves.Move, CancellationToken.None);
        moves.Await(m => m.Moving == 1, "one worker");

        holder.Set(new TierFsConfig { Schedule = new ScheduleConfig { Workers = 3 } });
        moves.Await(m => m.Moving == 3, "more workers start at once");
        Assert.Equal(3, pool.Limit);

        // Fewer: the files under way finish, and no new one starts until fewer are moving than the new limit.
        holder.Set(new TierFsConfig { Schedule = new ScheduleConfig { Workers = 1 } });
        moves.ReleaseOne();
        moves.ReleaseOne();
        moves.Await(m => m.Moving == 1 && pool.Busy == 1, "two of the three end");
        Assert.Equal(3, moves.Started.Count);
        moves.ReleaseOne();
        moves.Await(m => m.Started.Count == 4, "the next starts once none moves");
        Assert.Equal(1, pool.Busy);
        moves.ReleaseAll();
        await run.WaitAsync(Bound);
        Assert.Equal(3, moves.MaxMoving);
    }
}
