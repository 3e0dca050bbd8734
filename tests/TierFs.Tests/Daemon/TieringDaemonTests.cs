using TierFs.Daemon;
using TierFs.Daemon.Jobs;
using TierFs.Index;
using TierFs.Tests.Index;
using TierFs.Tiering.Config;
using TierFs.Tiering.Control;
using TierFs.Tiering.Engine;
using TierFs.Records;

namespace TierFs.Tests.Daemon;

public sealed class TieringDaemonTests : IDisposable
{
    private readonly IndexTestFiles _files = new();
    private readonly TierIndex _index;

    public TieringDaemonTests() => _index = _files.Open();

    public void Dispose()
    {
        _index.Dispose();
        _files.Dispose();
    }

    private static PolicyCandidate File(int n, long size = 1000) => new(new FileKey(1, (ulong)n), $"f{n}", size, MtimeNs: 42);

    private static TierFsConfig Config(ScheduleConfig? schedule = null, params string[] policies) => new()
    {
        Policies = policies.Select((name, i) => new PolicyConfig { Name = name, Where = "1", Priority = i }).ToList(),
        Schedule = schedule ?? new ScheduleConfig(),
    };

    private TieringDaemon Daemon(TierFsConfig config, IPolicyPlanner planner, FakeMover mover, IUsageProbe? usage = null) =>
        new(config, new SqliteJobStore(_index), planner, new NoScan(), mover, usage ?? new FixedUsage(0, 100));

    [Fact]
    public async Task A_run_records_one_job_per_policy_with_its_counts()
    {
        var mover = new FakeMover();
        mover.Move = (f, _) => Task.FromResult(f.Path == "f2"
            ? new PolicyFileResult(PolicyOutcome.Failed, "boom", 0)
            : f.Path == "f3" ? PolicyFileResult.Skip("hot") : new PolicyFileResult(PolicyOutcome.Done, null, f.Size));
        using var daemon = Daemon(Config(null, "p"), new FixedPlanner(File(1, 10), File(2), File(3)), mover);
        var jobs = await daemon.RunAsync(null, false, null, CancellationToken.None);
        _index.Flush();
        var job = Assert.Single(_index.RecentJobs(10));
        Assert.Equal(jobs[0], job);
        Assert.Equal(("p", "migrate", 3L, 1L, 10L, 1L, 1L, JobRow.StatusDone), (job.Policy, job.Action, job.Planned, job.Files, job.Bytes, job.Skipped, job.Failed, job.Status));
        Assert.True(job.FinishedMs >= job.StartedMs);
    }

    [Fact]
    public async Task Scans_run_on_threads_of_their_own_not_the_thread_pools()
    {
        // A scan blocks its thread for the whole walk; the index writer it feeds runs on the pool.
        var scanner = new NoScan();
        using var daemon = new TieringDaemon(Config(null, "p"), new SqliteJobStore(_index), new FixedPlanner(), scanner, new FakeMover(), new FixedUsage(0, 100));
        await daemon.RunAsync(new TierFs.Tiering.Control.ControlRequest(TierFs.Tiering.Control.TierOp.Scan, [], false), new RecordingSink(), CancellationToken.None);
        await daemon.RunAsync(null, false, null, CancellationToken.None);
        Assert.Equal((2, 0), (scanner.Scans, scanner.OnPoolThreads));
    }

    [Fact]
    public async Task A_job_enters_its_start_and_end_in_the_operation_log_with_its_policy_and_bytes()
    {
        var mover = new FakeMover();
        mover.Move = (f, _) => Task.FromResult(f.Path == "f2"
            ? new PolicyFileResult(PolicyOutcome.Failed, "boom", 0)
            : new PolicyFileResult(PolicyOutcome.Done, null, f.Size));
        var lines = new List<LogLine>();
        using var daemon = Daemon(Config(null, "cold", "colder"), new FixedPlanner(File(1, 10), File(2, 20)), mover);
        daemon.OpLog = l =>
        {
            lock (lines) lines.Add(l);
        };
        await daemon.RunAsync("cold", false, null, CancellationToken.None);
        mover.Move = (f, _) => Task.FromResult(new PolicyFileResult(PolicyOutcome.Done, null, f.Size));
        await daemon.RunAsync("colder", false, null, CancellationToken.None, retryNow: true); // f2 failed a moment ago
        Assert.Equal(
            [
                ("job-start", "cold", 30L, (string?)null),
                ("job-end", "cold", 10L, "1 of 2 files failed"),
                ("job-start", "colder", 30L, null),
                ("job-end", "colder", 30L, null),
            ],
            lines.Select(l => (l.Op, l.Path!, l.Bytes, l.Error)));
        Assert.All(lines, l => Assert.Null(l.FileId));
    }

    [Fact]
    public async Task A_failed_file_is_retried_after_its_backoff_and_not_forever()
    {
        var mover = new FakeMover { Move = (_, _) => Task.FromResult(new PolicyFileResult(PolicyOutcome.Failed, "remote down", 0)) };
        var schedule = new ScheduleConfig { Retries = 2, RetryBackoff = TimeSpan.Zero };
        using var daemon = Daemon(Config(schedule, "p"), new FixedPlanner(File(1)), mover);
        for (var run = 0; run < 6; run++)
        {
            await daemon.RunAsync(null, false, null, CancellationToken.None);
            _index.Flush();
        }
        // The first try and two retries; then it waits for the file to change.
        Assert.Equal(3, mover.Calls);
        var retry = Assert.Single(_index.Retries());
        Assert.Equal((3, "remote down"), (retry.Attempts, retry.LastError));

        // Changed data (another mtime): tried again at once.
        using var changed = Daemon(Config(schedule, "p"), new FixedPlanner(File(1) with { MtimeNs = 43 }), mover);
        mover.Move = (f, _) => Task.FromResult(new PolicyFileResult(PolicyOutcome.Done, null, f.Size));
        await changed.RunAsync(null, false, null, CancellationToken.None);
        _index.Flush();
        Assert.Equal(4, mover.Calls);
        Assert.Empty(_index.Retries());
    }

    [Fact]
    public async Task A_failed_file_waits_for_its_backoff()
    {
        var mover = new FakeMover { Move = (_, _) => Task.FromResult(new PolicyFileResult(PolicyOutcome.Failed, "x", 0)) };
        using var daemon = Daemon(Config(new ScheduleConfig { RetryBackoff = TimeSpan.FromHours(1) }, "p"), new FixedPlanner(File(1)), mover);
        await daemon.RunAsync(null, false, null, CancellationToken.None);
        _index.Flush();
        var jobs = await daemon.RunAsync(null, false, null, CancellationToken.None);
        Assert.Equal(1, mover.Calls);
        Assert.Equal(1, jobs[0].Skipped);
        var retry = Assert.Single(_index.Retries());
        Assert.InRange(retry.NextTryMs - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 3_500_000, 3_600_000);
    }

    [Fact]
    public async Task A_user_opening_the_file_cancels_its_migration()
    {
        var started = new TaskCompletionSource();
        var mover = new FakeMover();
        mover.Move = async (_, ct) =>
        {
            started.SetResult();
            await Task.Delay(TimeSpan.FromSeconds(30), ct); // an upload, cancelled when the user opens
            return new PolicyFileResult(PolicyOutcome.Done, null, 1);
        };
        using var daemon = Daemon(Config(null, "p"), new FixedPlanner(File(1)), mover);
        var run = daemon.RunAsync(null, false, null, CancellationToken.None);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        mover.Open = true;
        // Abandoned within a poll or two, long before the 30 s "upload" would end.
        var job = Assert.Single(await run.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal((0L, 1L, 0L), (job.Files, job.Skipped, job.Failed));
    }

    [Fact]
    public async Task A_recall_job_recalls_files_open_through_the_mount_and_never_gives_one_up_to_a_user()
    {
        // A user's open of a stub joins the recall under way: nothing to spare or abandon.
        var mover = new FakeMover { Open = true };
        var config = new TierFsConfig { Policies = [new PolicyConfig { Name = "prestage", Where = "1", Action = PolicyAction.Recall }] };
        using var daemon = Daemon(config, new FixedPlanner(File(1), File(2)), mover);

        var sink = new RecordingSink();
        await daemon.RunAsync(null, dryRun: true, sink, CancellationToken.None);
        var plan = System.Text.Json.JsonDocument.Parse(Assert.Single(sink.Data, d => d.Kind == "plan").Json).RootElement;
        Assert.Equal(("recall", 2), (plan.GetProperty("action").GetString(), plan.GetProperty("files").GetInt32()));

        var job = Assert.Single(await daemon.RunAsync(null, false, null, CancellationToken.None));
        Assert.Equal(("recall", 2L, 0L, 0L), (job.Action, job.Files, job.Skipped, job.Failed));
        Assert.Equal([TierOp.Recall, TierOp.Recall], mover.Ops);
        Assert.Equal(0, mover.InUseAsked);
    }

    [Fact]
    public async Task A_failed_recall_is_counted_failed_and_retried_as_the_other_actions_are()
    {
        var mover = new FakeMover { Move = (_, _) => Task.FromResult(new PolicyFileResult(PolicyOutcome.Failed, "object missing", 0)) };
        var config = new TierFsConfig
        {
            Policies = [new PolicyConfig { Name = "prestage", Where = "1", Action = PolicyAction.Recall }],
            Schedule = new ScheduleConfig { RetryBackoff = TimeSpan.FromHours(1) },
        };
        using var daemon = Daemon(config, new FixedPlanner(File(1)), mover);
        var job = Assert.Single(await daemon.RunAsync(null, false, null, CancellationToken.None));
        _index.Flush();
        Assert.Equal((0L, 1L), (job.Files, job.Failed));
        Assert.Equal((1, "object missing"), (Assert.Single(_index.Retries()).Attempts, _index.Retries()[0].LastError));
        // Waits for its backoff: the next run does not try it.
        Assert.Equal(1L, Assert.Single(await daemon.RunAsync(null, false, null, CancellationToken.None)).Skipped);
        Assert.Equal(1, mover.Calls);
    }

    [Fact]
    public async Task The_usage_release_runs_only_above_the_high_mark()
    {
        var mover = new FakeMover();
        var schedule = new ScheduleConfig { UsageHigh = 90, UsageLow = 75 };
        using (var calm = Daemon(Config(schedule), new FixedPlanner(File(1)), mover, new FixedUsage(89, 100)))
            Assert.Empty(await calm.RunAsync(null, false, null, CancellationToken.None));
        using var full = Daemon(Config(schedule), new FixedPlanner(File(1)), mover, new FixedUsage(95, 100));
        var job = Assert.Single(await full.RunAsync(null, false, null, CancellationToken.None));
        Assert.Equal(("usage", "release", 1L), (job.Kind, job.Action, job.Files));
    }

    [Theory]
    [InlineData(95, 100, 90, 75, 20)]
    [InlineData(90, 100, 90, 75, 0)]
    [InlineData(0, 0, 90, 75, 0)]
    public void Bytes_to_free_brings_usage_to_the_low_mark(long used, long size, int high, int low, long expected) =>
        Assert.Equal(expected, UsageTarget.BytesToFree((used, size), high, low));
}

public class DurationFormatTests
{
    [Theory]
    [InlineData(600, "10m")]
    [InlineData(3600, "1h")]
    [InlineData(90, "90s")]
    [InlineData(0.25, "250ms")]
    [InlineData(172800, "2d")]
    public void Durations_print_as_the_config_writes_them(double seconds, string text) =>
        Assert.Equal(text, Units.FormatDuration(TimeSpan.FromSeconds(seconds)));
}
