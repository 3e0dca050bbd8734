using TierFs.Daemon;
using TierFs.Daemon.Jobs;
using TierFs.Index;
using TierFs.Records;
using TierFs.Tests.Index;
using TierFs.Tests.Tiering;
using TierFs.Tiering.Config;
using TierFs.Tiering.Engine;
using TierFs.Tiering.Movers;

namespace TierFs.Tests.Daemon;

/// <summary>
/// The daemon's jobs and the administrator's commands move files on one pool with one limit
/// (`schedule.workers`). The command side submits as TierEngine.RunAsync does (its files, large
/// first, as one command submission); the job side is the real daemon with a fake mover.
/// </summary>
public sealed class OneMoverTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private readonly IndexTestFiles _files = new();
    private readonly TierIndex _index;

    public OneMoverTests() => _index = _files.Open();

    public void Dispose()
    {
        _index.Dispose();
        _files.Dispose();
    }

    private static PolicyCandidate File(int n) => new(new FileKey(1, (ulong)n), $"j{n}", 1000 - n, MtimeNs: 42);

    private (TieringDaemon Daemon, MoverPool Pool, GatedMoves Moves) Setup(int workers, int jobFiles)
    {
        var holder = new ConfigHolder(new TierFsConfig
        {
            Policies = [new PolicyConfig { Name = "p", Where = "1" }],
            Schedule = new ScheduleConfig { Workers = workers },
        });
        var pool = new MoverPool(holder);
        var moves = new GatedMoves();
        var mover = new FakeMover
        {
            Move = async (f, ct) =>
            {
                await moves.Move(f.Path, ct);
                return new PolicyFileResult(PolicyOutcome.Done, null, f.Size);
            },
        };
        var daemon = new TieringDaemon(holder, new SqliteJobStore(_index), new FixedPlanner(Enumerable.Range(0, jobFiles).Select(File).ToArray()),
            new NoScan(), mover, new FixedUsage(0, 100), movers: pool);
        return (daemon, pool, moves);
    }

    [Fact]
    public async Task A_command_and_a_policy_run_together_never_move_more_files_than_schedule_workers()
    {
        var (daemon, pool, moves) = Setup(workers: 3, jobFiles: 8);
        using var _ = daemon;
        var run = daemon.RunAsync(null, dryRun: false, sink: null, CancellationToken.None);
        moves.Await(m => m.Moving == 3, "the job takes the three workers");
        var command = pool.RunAsync("tierfs migrate", SubmitterKind.Command, Enumerable.Range(0, 5).Select(i => $"c{i}").ToList(), moves.Move, CancellationToken.None);
        moves.ReleaseOneAtATime(13, 3, () => pool.Busy);
        var job = Assert.Single(await run.WaitAsync(Bound));
        await command.WaitAsync(Bound);
        Assert.Equal(3, moves.MaxMoving);
        Assert.Equal((8L, JobRow.StatusDone), (job.Files, job.Status));
        // Fair: the command's first file started long before the job's queue drained.
        Assert.True(moves.Started.ToList().IndexOf("c0") < moves.Started.ToList().IndexOf("j7"), string.Join(",", moves.Started));
    }

    [Fact]
    public async Task A_command_gets_the_first_worker_a_big_policy_run_frees()
    {
        var (daemon, pool, moves) = Setup(workers: 2, jobFiles: 20);
        using var _ = daemon;
        var run = daemon.RunAsync(null, dryRun: false, sink: null, CancellationToken.None);
        moves.Await(m => m.Moving == 2, "the job takes both workers");
        var command = pool.RunAsync("tierfs recall", SubmitterKind.Command, ["c0"], moves.Move, CancellationToken.None);
        moves.ReleaseOne();
        moves.Await(m => m.Started.Count == 3, "the freed worker starts a file");
        Assert.Equal(["j0", "j1"], moves.Started.Take(2).Order()); // taken in order, started on two threads at once
        Assert.Equal("c0", moves.Started[2]);
        moves.ReleaseAll();
        await command.WaitAsync(Bound);
        Assert.Equal(20, Assert.Single(await run.WaitAsync(Bound)).Files);
    }

    [Fact]
    public async Task Status_shows_the_pool_its_limit_and_who_waits()
    {
        var (daemon, pool, moves) = Setup(workers: 1, jobFiles: 2);
        using var _ = daemon;
        var run = daemon.RunAsync(null, dryRun: false, sink: null, CancellationToken.None);
        moves.Await(m => m.Moving == 1, "the job's first file moves");
        var sink = new RecordingSink();
        await daemon.RunAsync(new TierFs.Tiering.Control.ControlRequest(TierFs.Tiering.Control.TierOp.Status, [], false), sink, CancellationToken.None);
        var status = System.Text.Json.JsonDocument.Parse(Assert.Single(sink.Data).Json).RootElement;
        var movers = status.GetProperty("movers");
        Assert.Equal((1, 1), (movers.GetProperty("limit").GetInt32(), movers.GetProperty("busy").GetInt32()));
        var job = Assert.Single(movers.GetProperty("submissions").EnumerateArray());
        Assert.Matches(@"^job \d+ \(p\)$", job.GetProperty("name").GetString());
        Assert.Equal(("job", 1, 1), (job.GetProperty("kind").GetString(), job.GetProperty("moving").GetInt32(), job.GetProperty("waiting").GetInt32()));
        moves.ReleaseAll();
        await run.WaitAsync(Bound);
        Assert.Equal(0, pool.Busy);
    }
}
