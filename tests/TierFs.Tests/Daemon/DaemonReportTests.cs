using System.Text.Json;
using TierFs.Daemon;
using TierFs.Daemon.Jobs;
using TierFs.Index;
using TierFs.Tests.Index;
using TierFs.Tiering.Config;
using TierFs.Tiering.Control;
using TierFs.Tiering.Engine;
using TierFs.Records;

namespace TierFs.Tests.Daemon;

/// <summary>What the daemon tells `tierfs policy run` and `tierfs status`: failures by file, --retry-now, read-only, the paused schedule.</summary>
public sealed class DaemonReportTests : IDisposable
{
    private readonly IndexTestFiles _files = new();
    private readonly TierIndex _index;

    public DaemonReportTests() => _index = _files.Open();

    public void Dispose()
    {
        _index.Dispose();
        _files.Dispose();
    }

    private static PolicyCandidate File(int n, long size = 1000) => new(new FileKey(1, (ulong)n), $"f{n}", size, MtimeNs: 42);

    private TieringDaemon Daemon(ScheduleConfig schedule, FakeMover mover, params PolicyCandidate[] files) =>
        new(new TierFsConfig { Policies = [new PolicyConfig { Name = "p", Where = "1" }], Schedule = schedule }, new SqliteJobStore(_index),
            new FixedPlanner(files), new NoScan(), mover, new FixedUsage(0, 100));

    [Fact]
    public async Task Each_failed_file_is_reported_with_its_reason_and_skipped_ones_with_theirs()
    {
        var mover = new FakeMover
        {
            Move = (f, _) => Task.FromResult(f.Path switch
            {
                "f1" => new PolicyFileResult(PolicyOutcome.Failed, "remote tier unreachable", 0),
                "f2" => PolicyFileResult.Skip("replaced since the scan"),
                _ => new PolicyFileResult(PolicyOutcome.Done, null, f.Size, "released"),
            }),
        };
        using var daemon = Daemon(new ScheduleConfig(), mover, File(1), File(2), File(3));
        var sink = new RecordingSink();
        await daemon.RunAsync(new ControlRequest(TierOp.PolicyRun, [], false), sink, CancellationToken.None);
        Assert.Equal([("f1", false, null, "remote tier unreachable")], sink.Results.Where(r => !r.Ok).Select(r => (r.Path, r.Ok, r.State, r.Error)));
        Assert.Contains(sink.Results, r => r is { Path: "f2", Ok: true, State: "skipped: replaced since the scan" });
        Assert.Contains(sink.Results, r => r is { Path: "f3", Ok: true, State: "released" });
        var start = JsonDocument.Parse(Assert.Single(sink.Data, d => d.Kind == "job-start").Json).RootElement;
        Assert.Equal((3, 3000L), (start.GetProperty("files").GetInt32(), start.GetProperty("bytes").GetInt64()));
        var job = JsonDocument.Parse(Assert.Single(sink.Data, d => d.Kind == "job").Json).RootElement;
        var held = Assert.Single(job.GetProperty("held").EnumerateArray());
        Assert.Equal(("replaced since the scan", 1L), (held.GetProperty("reason").GetString(), held.GetProperty("count").GetInt64()));
    }

    [Fact]
    public async Task Retry_now_moves_a_file_that_waits_for_its_backoff()
    {
        var mover = new FakeMover { Move = (_, _) => Task.FromResult(new PolicyFileResult(PolicyOutcome.Failed, "x", 0)) };
        using var daemon = Daemon(new ScheduleConfig { RetryBackoff = TimeSpan.FromHours(1) }, mover, File(1));
        await daemon.RunAsync(null, false, null, CancellationToken.None);
        _index.Flush();
        var sink = new RecordingSink();
        await daemon.RunAsync(null, false, sink, CancellationToken.None);
        Assert.Equal(1, mover.Calls); // waits: held back with why
        Assert.Contains(sink.Results, r => r.State == "skipped: waiting for a retry");

        await daemon.RunAsync(null, false, null, CancellationToken.None, retryNow: true);
        Assert.Equal(2, mover.Calls);
        _index.Flush();
        Assert.Equal(2, Assert.Single(_index.Retries()).Attempts); // the attempt counts
    }

    [Fact]
    public async Task A_read_only_mount_plans_but_refuses_to_run()
    {
        var mover = new FakeMover();
        using var daemon = Daemon(new ScheduleConfig(), mover, File(1));
        daemon.ReadOnly = true;
        var sink = new RecordingSink();
        await daemon.RunAsync(new ControlRequest(TierOp.PolicyRun, [], false), sink, CancellationToken.None);
        var refused = JsonDocument.Parse(Assert.Single(sink.Data, d => d.Kind == "refused").Json).RootElement;
        Assert.Contains("read-only", refused.GetProperty("message").GetString());
        Assert.False(refused.GetProperty("badInput").GetBoolean());
        await daemon.RunAsync(new ControlRequest(TierOp.PolicyRun, [], false, DryRun: true), sink, CancellationToken.None);
        Assert.Single(sink.Data, d => d.Kind == "plan");
        Assert.Equal(0, mover.Calls);
        daemon.Start(); // starts nothing
        Assert.False(daemon.Periodic);
    }

    [Fact]
    public async Task An_unknown_policy_is_bad_input()
    {
        using var daemon = Daemon(new ScheduleConfig(), new FakeMover(), File(1));
        var sink = new RecordingSink();
        await daemon.RunAsync(new ControlRequest(TierOp.PolicyRun, [], false, Policy: "nosuch"), sink, CancellationToken.None);
        Assert.True(JsonDocument.Parse(Assert.Single(sink.Data, d => d.Kind == "refused").Json).RootElement.GetProperty("badInput").GetBoolean());
    }

    [Fact]
    public async Task A_reload_takes_effect_for_the_next_job()
    {
        var holder = new ConfigHolder(new TierFsConfig { Policies = [new PolicyConfig { Name = "a", Where = "1" }] });
        var mover = new FakeMover();
        using var daemon = new TieringDaemon(holder, new SqliteJobStore(_index), new FixedPlanner(File(1)), new NoScan(), mover, new FixedUsage(0, 100));
        Assert.Equal(["a"], (await daemon.RunAsync(null, false, null, CancellationToken.None)).Select(j => j.Policy));
        holder.Set(new TierFsConfig { Policies = [new PolicyConfig { Name = "b", Where = "1" }, new PolicyConfig { Name = "c", Where = "1" }] });
        Assert.Equal(["b", "c"], (await daemon.RunAsync(null, false, null, CancellationToken.None)).Select(j => j.Policy));
    }
}

/// <summary>Keeps what the daemon reports.</summary>
internal sealed class RecordingSink : IControlSink
{
    private readonly Lock _gate = new();
    private readonly List<FileResult> _results = [];
    private readonly List<(string Kind, string Json)> _data = [];

    public IReadOnlyList<FileResult> Results { get { lock (_gate) return [.. _results]; } }
    public IReadOnlyList<(string Kind, string Json)> Data { get { lock (_gate) return [.. _data]; } }

    public void Progress(string path, long done, long total) { }
    public void Result(FileResult result) { lock (_gate) _results.Add(result); }
    void IControlSink.Data(string kind, string json) { lock (_gate) _data.Add((kind, json)); }
}
